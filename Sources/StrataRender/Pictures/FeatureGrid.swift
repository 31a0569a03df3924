import StrataCore

/// A grid of 2-D maps, one tile per channel (feature maps of a layer, or conv filters), each
/// labelled with its channel index and drawn with a colour map, or as an RGB colour image.
///
/// Layout: columns ≈ √N adjusted so the grid is a little wider than tall for the maps' aspect;
/// small maps are enlarged by an integer factor (nearest neighbour, every value a square block),
/// maps larger than their tile are averaged over square blocks first, and maps with an extreme
/// aspect (1 × 100000) are stretched along their short side; the notes line says so. Tiles too
/// narrow for their label are labelled per row instead (the first channel of the row, at the left).
public struct FeatureGrid: Picture {
    /// Three equally sized planes shown as one colour image (a first-layer conv filter's R, G, B).
    public struct RGBTile: Sendable, Hashable {
        public let red: FloatMap
        public let green: FloatMap
        public let blue: FloatMap

        /// Throws `invalidInput` unless the three planes have the same size.
        public init(red: FloatMap, green: FloatMap, blue: FloatMap) throws {
            guard red.height == green.height, red.height == blue.height, red.width == green.width, red.width == blue.width else {
                throw StrataError(.invalidInput, "RGB tile planes differ in size: \(red.height)×\(red.width), \(green.height)×\(green.width), \(blue.height)×\(blue.width)")
            }
            self.red = red
            self.green = green
            self.blue = blue
        }

        var planes: [FloatMap] { [red, green, blue] }
    }

    /// What the tiles hold.
    public enum Tiles: Sendable, Hashable {
        /// One value map per tile, coloured by `colorMap`.
        case maps([FloatMap])
        /// One colour image per tile; the colour scale normalises all three planes together.
        case rgb([RGBTile])
    }

    /// First title line: the subject (layer name, op, shape).
    public var title: String
    /// Second title line (value range, channel count), if any.
    public var subtitle: String?
    public var tiles: Tiles
    /// One label per tile; nil labels tiles 0, 1, 2, …
    public var labels: [String]?
    public var colorMap: ColorMap
    /// `.perTile` scales each tile (for RGB: its three planes together) from its own min to max.
    public var scale: ColorScale
    /// What the values are, for the colour bar's caption with a shared scale (e.g. "activation").
    public var valueLabel: String

    public init(
        title: String, subtitle: String? = nil, tiles: Tiles, labels: [String]? = nil,
        colorMap: ColorMap = .viridis, scale: ColorScale = .perTile, valueLabel: String = "value"
    ) {
        self.title = title
        self.subtitle = subtitle
        self.tiles = tiles
        self.labels = labels
        self.colorMap = colorMap
        self.scale = scale
        self.valueLabel = valueLabel
    }

    public func render(format: PictureFormat) throws -> [UInt8] {
        do {
            return try draw(format: format)
        } catch let error as StrataError {
            throw error.located(ErrorLocation(detail: "feature grid"))
        }
    }

    /// Each tile's planes (one, or three for RGB).
    var planes: [[FloatMap]] {
        switch tiles {
        case .maps(let maps): return maps.map { [$0] }
        case .rgb(let tiles): return tiles.map(\.planes)
        }
    }

    private func draw(format: PictureFormat) throws -> [UInt8] {
        let planes = self.planes
        guard let first = planes.first?.first else { throw StrataError(.invalidInput, "no maps to draw") }
        guard planes.count <= RenderLimits.maxTiles else {
            throw StrataError(.invalidInput, "\(planes.count) tiles are more than the \(RenderLimits.maxTiles) one picture shows; pick channels first")
        }
        guard !first.isEmpty else { throw StrataError(.invalidInput, "maps are \(first.height)×\(first.width), nothing to draw") }
        if let index = planes.firstIndex(where: { $0.contains { $0.height != first.height || $0.width != first.width } }) {
            let other = planes[index].first { $0.height != first.height || $0.width != first.width } ?? first
            throw StrataError(.invalidInput, "tile \(index) is \(other.height)×\(other.width), tile 0 is \(first.height)×\(first.width); all tiles must have one size")
        }
        let names = labels ?? planes.indices.map(String.init)
        guard names.count == planes.count else {
            throw StrataError(.invalidInput, "\(names.count) labels for \(planes.count) tiles")
        }

        // A 1×1 map is its own min and max: per-tile scaling would paint every tile alike.
        let scale = first.values.count == 1 && self.scale == .perTile ? ColorScale.global : self.scale
        let norms = try tileNormalizations(planes, scale)
        let type = try Typesetter()
        var layout = try FeatureGridLayout(count: planes.count, mapHeight: first.height, mapWidth: first.width, labels: names, type)
        if scale != self.scale { layout.notes.append("1×1 maps share one scale (per-channel scaling would make every tile alike)") }
        let isRGB: Bool
        if case .rgb = tiles { isRGB = true } else { isRGB = false }
        let hasNaN = planes.contains { $0.contains { $0.values.contains { $0.isNaN } } }
        let bad = isRGB ? ColorMap.gray.badColor : colorMap.badColor

        let rampColors = isRGB ? ColorMap.gray.entries : colorMap.entries
        let barScale: ColorBar.Scale
        let caption: String
        if case .perTile = scale {
            barScale = .relative(low: "min", high: "max")
            caption = isRGB ? "per-filter min → max (R, G, B)" : "per-channel min → max"
        } else {
            barScale = .values(norms[0])
            caption = isRGB ? "\(valueLabel) (R, G, B)" : valueLabel
        }
        let bar = ColorBar(colors: rampColors, scale: barScale, caption: caption, badColor: hasNaN ? bad : nil)

        var figure = Figure(
            title: title, subtitle: subtitle, notes: layout.notes,
            bodyWidth: layout.bodyWidth, bodyHeight: layout.bodyHeight, colorBar: bar
        ) { canvas, x0, y0 in
            let body = try Raster(width: layout.bodyWidth, height: layout.bodyHeight)
            for (index, tilePlanes) in planes.enumerated() {
                let reduced = tilePlanes.map { $0.blockMeans(rows: layout.reduction, columns: layout.reduction) }
                let pixels = isRGB
                    ? try Raster.rgb(reduced, norms[index], bad: bad)
                    : try Raster.colored(reduced[0], colorMap, norms[index])
                let origin = layout.tileOrigin(index)
                try body.fill(x: origin.x - 1, y: origin.y - 1, width: layout.tileWidth + 2, height: layout.tileHeight + 2, color: FeatureGridLayout.frameColor)
                try body.draw(pixels, x: origin.x, y: origin.y, scaleX: layout.scaleX, scaleY: layout.scaleY)
            }
            canvas.paint(body, x: x0, y: y0)
            layout.drawLabels(names, on: canvas, x0: x0, y0: y0, type)
        }
        // The bar starts level with the first row of tiles, below its labels.
        let barTop = layout.tileOrigin(0).y
        figure.colorBarSpan = (barTop, ColorBar.height(beside: layout.bodyHeight - barTop))
        return try figure.render(format: format, type)
    }

    /// The normalisation of each tile under `scale`.
    private func tileNormalizations(_ planes: [[FloatMap]], _ scale: ColorScale) throws -> [Normalization] {
        switch scale {
        case .perTile:
            return try planes.map { tile in
                let range = FloatMap.finiteRange(of: tile.lazy.flatMap(\.values))
                return try Normalization(vmin: Double(range?.lowerBound ?? 0), vmax: Double(range?.upperBound ?? 0))
            }
        case .global, .fixed, .symmetric:
            let norm = try scale.normalization(for: planes.lazy.flatMap { $0 }.flatMap(\.values))
            return Array(repeating: norm, count: planes.count)
        }
    }
}

import Foundation
import StrataAnalysis
import StrataCore
import StrataExport
import StrataRender

/// Draws the pictures of `strata maps` for one layer output and one input: the channel grid, the
/// mean and max over channels (pictures and `.npy`), overlays on the input image; a bar chart for
/// vectors and a time × channel heatmap for sequences. Data comes from StrataAnalysis, pictures from
/// StrataRender; files go into a `StagedFolder`, images into TensorBoard (`TensorBoardLog`).
struct MapPainter {
    var layout: ActivationLayout
    var channels: ChannelRange?
    var colorMap: ColorMap
    var normalization: MapNormalization
    var overlay: Bool
    var overlayChannels: Bool
    var format: PictureFormat

    /// One input of a batch, as the pictures name and show it.
    struct Subject {
        /// The image file (or `file.npy[k]`) for captions and the manifest.
        var name: String
        /// The subfolder its pictures go to; nil for the top level.
        var folder: String?
        /// The image as fed, for overlays; nil for `.npy` input.
        var image: StrataRender.RasterImage?
    }

    /// What was written for one layer output and one input.
    struct Written {
        var rows: [PictureManifest.Row] = []
        var pictures: [PictureIndexPage.Picture] = []
        var links: [PictureIndexPage.Picture] = []
        /// Why nothing could be drawn, if so.
        var note: String?
    }

    /// One thing drawn for a layer output and an input: a picture, or the array a picture shows.
    struct Product {
        enum Content {
            case picture(any Picture)
            case array(Tensor)
        }

        var kind: PictureManifest.Kind
        /// What the file name ends with (`grid`, `mean`, `overlay-max`, …); also the TensorBoard tag's kind.
        var suffix: String
        var content: Content
        /// The shape of the data shown, for the manifest.
        var shape: [Int]
        var range: ClosedRange<Float>?
        var caption: String
    }

    /// Writes the pictures of `tensor` (the whole batch) for batch element `b` into `folder`, and
    /// logs each picture as a PNG image to `tensorBoard` when given (tags from `TensorBoardLog.tag`).
    func draw(_ row: LayerOutput, _ tensor: Tensor, image b: Int, subject: Subject, into folder: StagedFolder,
              tensorBoard: TensorBoardLog? = nil) throws -> Written {
        let base = CaptureWriter.baseName(for: row)
        var out = Written()
        let note = try paint(row, tensor, image: b, subject: subject) { product in
            let file: String
            switch product.content {
            case .picture(let picture):
                let bytes = try picture.render(format: format)
                file = try folder.write(bytes, name: base + "-" + product.suffix, fileExtension: format.pathExtension,
                                        subfolder: subject.folder)
                try tensorBoard?.image(TensorBoardLog.tag(base, product.suffix, input: subject.folder), picture,
                                       png: format == .png ? bytes : nil)
            case .array(let values):
                file = try folder.writeNPY(values, name: base + "-" + product.suffix, subfolder: subject.folder)
            }
            out.rows.append(.init(
                layer: row.layer, tensor: row.tensor, output: row.output, image: subject.name, kind: product.kind, file: file,
                shape: product.shape, min: product.range.map { Double($0.lowerBound) }, max: product.range.map { Double($0.upperBound) }))
            let entry = PictureIndexPage.Picture(file: file, caption: product.caption)
            if case .picture = product.content { out.pictures.append(entry) } else { out.links.append(entry) }
        }
        out.note = note
        return out
    }

    /// Logs the pictures of `tensor` for batch element `b` to TensorBoard only (PNG images, tags from
    /// `TensorBoardLog.tag`); returns why nothing could be drawn, if so.
    func log(_ row: LayerOutput, _ tensor: Tensor, image b: Int, subject: Subject, to tensorBoard: TensorBoardLog) throws -> String? {
        try paint(row, tensor, image: b, subject: subject, arrays: false) { product in
            if case .picture(let picture) = product.content {
                try tensorBoard.image(TensorBoardLog.tag(CaptureWriter.baseName(for: row), product.suffix, input: subject.folder), picture)
            }
        }
    }

    /// Makes the pictures (and, with `arrays`, the `.npy` arrays of the mean and max maps) of
    /// `tensor` for batch element `b`, one at a time, and hands each to `emit`. Returns why nothing
    /// could be drawn, if so.
    func paint(_ row: LayerOutput, _ tensor: Tensor, image b: Int, subject: Subject, arrays: Bool = true,
               emit: (Product) throws -> Void) throws -> String? {
        let axes = ActivationAxes(shape: tensor.shape, layout: layout)
        let itemShape = [1] + tensor.shape.dropFirst()
        let heading = "\(row.layer) (\(row.op)) \(Self.shape(itemShape)) · \((subject.name as NSString).lastPathComponent)"

        switch axes.kind {
        case .spatial2D, .spatial3D:
            let count = axes.channels
            let shown = channels.map { $0.clipped(to: count) } ?? 0 ..< count
            guard !shown.isEmpty else {
                throw StrataError(.invalidInput, "--channels \(channels!) selects none of its \(count) channels", at: ErrorLocation(node: row.layer))
            }
            var depthNote = ""
            if case .spatial3D(let depth, _, _) = axes.kind { depthNote = " · mean over \(depth) depth slices" }
            var tiles: [FloatMap] = []
            for k in shown {
                tiles.append(try Self.floatMap(try ActivationMap.channel(k, of: tensor, image: b, layout: layout)))
            }
            let range = Self.range(tiles.map(\.values))
            let which = shown.count == count ? "\(count) channels" : "channels \(shown.lowerBound)–\(shown.upperBound - 1) of \(count)"
            let grid = FeatureGrid(
                title: heading, subtitle: "\(which) · range \(Self.describe(range)) · \(normalization.caption)\(depthNote)",
                tiles: .maps(tiles), labels: shown.map(String.init), colorMap: colorMap, scale: normalization.scale,
                valueLabel: "activation")
            try emit(Product(kind: .grid, suffix: "grid", content: .picture(grid), shape: itemShape, range: range,
                             caption: "\(row.layer): \(which)"))

            let mean = try Self.floatMap(try ActivationMap.channelMean(of: tensor, image: b, layout: layout))
            let max = try Self.floatMap(try ActivationMap.channelMax(of: tensor, image: b, layout: layout))
            for (kind, map, what) in [(PictureManifest.Kind.mean, mean, "mean"), (.max, max, "max")] {
                let mapRange = map.finiteRange
                let shape = [map.height, map.width]
                let picture = MapPicture(title: heading, subtitle: "\(what) over \(count) channels · range \(Self.describe(mapRange))\(depthNote)",
                                         map: map, colorMap: colorMap, scale: .global, valueLabel: "\(what) activation")
                try emit(Product(kind: kind, suffix: what, content: .picture(picture), shape: shape, range: mapRange,
                                 caption: "\(row.layer): \(what) over channels"))
                if arrays {
                    try emit(Product(kind: kind, suffix: what, content: .array(Tensor(map.values, shape: shape)), shape: shape,
                                     range: mapRange, caption: "\(row.layer): \(what) over channels (.npy)"))
                }
                if overlay, let image = subject.image {
                    let blended = OverlayPicture(title: heading, subtitle: "\(what) over channels on the input image (jet, α 0.4)",
                                                 base: image, map: map, valueLabel: "\(what) activation")
                    try emit(Product(kind: .overlay, suffix: "overlay-\(what)", content: .picture(blended), shape: shape, range: mapRange,
                                     caption: "\(row.layer): \(what) over channels on the image"))
                }
            }
            if overlayChannels, let image = subject.image {
                for (k, tile) in zip(shown, tiles) {
                    let blended = OverlayPicture(title: heading, subtitle: "channel \(k) on the input image (jet, α 0.4)",
                                                 base: image, map: tile, valueLabel: "activation")
                    try emit(Product(kind: .overlay, suffix: "overlay-c\(k)", content: .picture(blended), shape: [tile.height, tile.width],
                                     range: tile.finiteRange, caption: "\(row.layer): channel \(k) on the image"))
                }
            }
        case .vector(let units):
            let values = try ActivationMap.units(of: tensor, image: b)
            let range = Self.range([values])
            let chart = BarChart(title: heading, subtitle: "\(units) units · range \(Self.describe(range))", values: values,
                                 highlightTop: Swift.min(5, units), xLabel: "unit", yLabel: "activation")
            try emit(Product(kind: .bars, suffix: "bars", content: .picture(chart), shape: [units], range: range,
                             caption: "\(row.layer): \(units) units"))
        case .sequence(let length, let count):
            // Rows are time steps, columns channels, whatever the layout.
            var matrix = [Float](repeating: 0, count: length * count)
            for k in 0 ..< count {
                let steps = try ActivationMap.channel(k, of: tensor, image: b, layout: layout).values
                for t in 0 ..< length { matrix[t * count + k] = steps[t] }
            }
            let map = try FloatMap(height: length, width: count, values: matrix)
            let range = map.finiteRange
            let heatmap = Heatmap(title: heading, subtitle: "\(length) steps × \(count) channels · range \(Self.describe(range))",
                                  matrix: map, rowLabel: "step", columnLabel: "channel", colorMap: colorMap, scale: .global,
                                  valueLabel: "activation")
            try emit(Product(kind: .heatmap, suffix: "heatmap", content: .picture(heatmap), shape: [length, count], range: range,
                             caption: "\(row.layer): steps × channels"))
        case .other:
            return "\(row.layer): nothing to draw for shape \(Self.shape(tensor.shape))"
        }
        return nil
    }

    /// A map of StrataAnalysis as StrataRender draws it; depth slices (rank-5 activations) averaged.
    static func floatMap(_ map: ActivationMap) throws -> FloatMap {
        if map.depth == 1 { return try FloatMap(height: map.height, width: map.width, values: map.values) }
        let plane = map.height * map.width
        var sums = [Double](repeating: 0, count: plane)
        for d in 0 ..< map.depth {
            for p in 0 ..< plane { sums[p] += Double(map.values[d * plane + p]) }
        }
        return try FloatMap(height: map.height, width: map.width, values: sums.map { Float($0 / Double(map.depth)) })
    }

    static func range(_ arrays: [[Float]]) -> ClosedRange<Float>? {
        var lo = Float.infinity, hi = -Float.infinity
        for array in arrays {
            for v in array where v.isFinite {
                lo = Swift.min(lo, v)
                hi = Swift.max(hi, v)
            }
        }
        return lo <= hi ? lo ... hi : nil
    }

    static func describe(_ range: ClosedRange<Float>?) -> String {
        guard let range else { return "none finite" }
        return "[\(StatsTable.number(Double(range.lowerBound))), \(StatsTable.number(Double(range.upperBound)))]"
    }

    static func shape(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
}

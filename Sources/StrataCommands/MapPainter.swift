import Foundation
import StrataAnalysis
import StrataCore
import StrataExport
import StrataRender

/// Draws the pictures of `strata maps` for one layer output and one input: the channel grid, the
/// mean and max over channels (pictures and `.npy`), overlays on the input image; a bar chart for
/// vectors and a time × channel heatmap for sequences. Data comes from StrataAnalysis, pictures from
/// StrataRender; files go into a `StagedFolder`.
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

    /// Writes the pictures of `tensor` (the whole batch) for batch element `b`.
    func draw(_ row: LayerOutput, _ tensor: Tensor, image b: Int, subject: Subject, into folder: StagedFolder) throws -> Written {
        let axes = ActivationAxes(shape: tensor.shape, layout: layout)
        let base = CaptureWriter.baseName(for: row)
        let itemShape = [1] + tensor.shape.dropFirst()
        let heading = "\(row.layer) (\(row.op)) \(Self.shape(itemShape)) · \((subject.name as NSString).lastPathComponent)"
        var out = Written()

        func add(_ kind: PictureManifest.Kind, _ file: String, shape: [Int], range: ClosedRange<Float>?, caption: String, picture: Bool) {
            out.rows.append(.init(layer: row.layer, tensor: row.tensor, output: row.output, image: subject.name, kind: kind, file: file,
                                  shape: shape, min: range.map { Double($0.lowerBound) }, max: range.map { Double($0.upperBound) }))
            let entry = PictureIndexPage.Picture(file: file, caption: caption)
            if picture { out.pictures.append(entry) } else { out.links.append(entry) }
        }
        func write(_ picture: some Picture, _ suffix: String) throws -> String {
            try folder.write(try picture.render(format: format), name: base + "-" + suffix, fileExtension: format.pathExtension,
                             subfolder: subject.folder)
        }

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
            add(.grid, try write(grid, "grid"), shape: itemShape, range: range, caption: "\(row.layer): \(which)", picture: true)

            let mean = try Self.floatMap(try ActivationMap.channelMean(of: tensor, image: b, layout: layout))
            let max = try Self.floatMap(try ActivationMap.channelMax(of: tensor, image: b, layout: layout))
            for (kind, map, what) in [(PictureManifest.Kind.mean, mean, "mean"), (.max, max, "max")] {
                let mapRange = map.finiteRange
                let picture = MapPicture(title: heading, subtitle: "\(what) over \(count) channels · range \(Self.describe(mapRange))\(depthNote)",
                                         map: map, colorMap: colorMap, scale: .global, valueLabel: "\(what) activation")
                add(kind, try write(picture, what), shape: [map.height, map.width], range: mapRange,
                    caption: "\(row.layer): \(what) over channels", picture: true)
                let values = Tensor(map.values, shape: [map.height, map.width])
                let npy = try folder.writeNPY(values, name: base + "-" + what, subfolder: subject.folder)
                add(kind, npy, shape: [map.height, map.width], range: mapRange, caption: "\(row.layer): \(what) over channels (.npy)", picture: false)
                if overlay, let image = subject.image {
                    let blended = OverlayPicture(title: heading, subtitle: "\(what) over channels on the input image (jet, α 0.4)",
                                                 base: image, map: map, valueLabel: "\(what) activation")
                    add(.overlay, try write(blended, "overlay-\(what)"), shape: [map.height, map.width], range: mapRange,
                        caption: "\(row.layer): \(what) over channels on the image", picture: true)
                }
            }
            if overlayChannels, let image = subject.image {
                for (k, tile) in zip(shown, tiles) {
                    let blended = OverlayPicture(title: heading, subtitle: "channel \(k) on the input image (jet, α 0.4)",
                                                 base: image, map: tile, valueLabel: "activation")
                    add(.overlay, try write(blended, "overlay-c\(k)"), shape: [tile.height, tile.width], range: tile.finiteRange,
                        caption: "\(row.layer): channel \(k) on the image", picture: true)
                }
            }
        case .vector(let units):
            let values = try ActivationMap.units(of: tensor, image: b)
            let range = Self.range([values])
            let chart = BarChart(title: heading, subtitle: "\(units) units · range \(Self.describe(range))", values: values,
                                 highlightTop: Swift.min(5, units), xLabel: "unit", yLabel: "activation")
            add(.bars, try write(chart, "bars"), shape: [units], range: range, caption: "\(row.layer): \(units) units", picture: true)
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
            add(.heatmap, try write(heatmap, "heatmap"), shape: [length, count], range: range,
                caption: "\(row.layer): steps × channels", picture: true)
        case .other:
            out.note = "\(row.layer): nothing to draw for shape \(Self.shape(tensor.shape))"
        }
        return out
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

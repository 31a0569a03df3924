import StrataAnalysis
import StrataCore
import StrataExport
import StrataRender

/// The pictures `strata report` embeds for one layer output and one input, drawn in memory as PNG:
/// the channel grid (the first `maxChannels` channels) with the mean and max over channels, as
/// `strata maps` draws them; a bar chart for vectors; a steps × channels heatmap for sequences.
struct ReportPictures {
    var layout: ActivationLayout
    var maxChannels: Int
    var colorMap: ColorMap

    /// How many pictures `draw` makes of `tensor` (counted when they are left out undrawn).
    func pictureCount(_ tensor: Tensor) -> Int {
        switch ActivationAxes(shape: tensor.shape, layout: layout).kind {
        case .spatial2D, .spatial3D: return 3
        case .vector, .sequence: return 1
        case .other: return 0
        }
    }

    /// The pictures of element `b` of `tensor`; with `meanOnly`, of a spatial map only the mean over channels.
    func draw(_ row: LayerOutput, _ tensor: Tensor, image b: Int, sample: Int, inputName: String, meanOnly: Bool = false) throws -> [ReportLayer.Picture] {
        let axes = ActivationAxes(shape: tensor.shape, layout: layout)
        let heading = "\(row.layer) (\(row.op)) · \(inputName)"
        func png(_ picture: some Picture, _ caption: String) throws -> ReportLayer.Picture {
            ReportLayer.Picture(png: try picture.render(format: .png), caption: caption, sample: sample)
        }
        switch axes.kind {
        case .spatial2D, .spatial3D:
            let count = axes.channels
            if meanOnly {
                let floats = try MapPainter.floatMap(try ActivationMap.channelMean(of: tensor, image: b, layout: layout))
                let picture = MapPicture(title: heading, subtitle: "mean over \(count) channels · range \(MapPainter.describe(floats.finiteRange))",
                                         map: floats, colorMap: colorMap, scale: .global, valueLabel: "mean activation")
                return [try png(picture, "\(row.layer): mean over channels of \(inputName)")]
            }
            let shown = 0 ..< Swift.min(count, maxChannels)
            var tiles: [FloatMap] = []
            for k in shown { tiles.append(try MapPainter.floatMap(try ActivationMap.channel(k, of: tensor, image: b, layout: layout))) }
            let which = shown.count == count ? "\(count) channels" : "channels 0–\(shown.upperBound - 1) of \(count)"
            let grid = FeatureGrid(
                title: heading, subtitle: "\(which) · range \(MapPainter.describe(MapPainter.range(tiles.map(\.values)))) · each channel its own scale",
                tiles: .maps(tiles), labels: shown.map(String.init), colorMap: colorMap, scale: MapNormalization.channel.scale,
                valueLabel: "activation")
            var pictures = [try png(grid, "\(row.layer): \(which) of \(inputName)")]
            for (what, map) in [("mean", try ActivationMap.channelMean(of: tensor, image: b, layout: layout)),
                                ("max", try ActivationMap.channelMax(of: tensor, image: b, layout: layout))] {
                let floats = try MapPainter.floatMap(map)
                let picture = MapPicture(title: heading, subtitle: "\(what) over \(count) channels · range \(MapPainter.describe(floats.finiteRange))",
                                         map: floats, colorMap: colorMap, scale: .global, valueLabel: "\(what) activation")
                pictures.append(try png(picture, "\(row.layer): \(what) over channels of \(inputName)"))
            }
            return pictures
        case .vector(let units):
            let values = try ActivationMap.units(of: tensor, image: b)
            let chart = BarChart(title: heading, subtitle: "\(units) units · range \(MapPainter.describe(MapPainter.range([values])))",
                                 values: values, highlightTop: Swift.min(5, units), xLabel: "unit", yLabel: "activation")
            return [try png(chart, "\(row.layer): \(units) units of \(inputName)")]
        case .sequence(let length, let count):
            var matrix = [Float](repeating: 0, count: length * count)
            for k in 0 ..< count {
                let steps = try ActivationMap.channel(k, of: tensor, image: b, layout: layout).values
                for t in 0 ..< length { matrix[t * count + k] = steps[t] }
            }
            let map = try FloatMap(height: length, width: count, values: matrix)
            let heatmap = Heatmap(title: heading, subtitle: "\(length) steps × \(count) channels · range \(MapPainter.describe(map.finiteRange))",
                                  matrix: map, rowLabel: "step", columnLabel: "channel", colorMap: colorMap, scale: .global,
                                  valueLabel: "activation")
            return [try png(heatmap, "\(row.layer): steps × channels of \(inputName)")]
        case .other:
            return []
        }
    }
}

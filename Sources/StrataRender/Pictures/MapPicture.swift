import StrataCore

/// One 2-D map with axes (row and column indices, rows counted down from the top) and a colour
/// bar in data units: the mean or the maximum over the channels of a layer, or one channel.
///
/// Cells stay square; the map's longest side is shown at about 480 pixels (each value an integer
/// block of pixels, maps longer than 1600 averaged over blocks first), and an extreme-aspect
/// map's short side is stretched to at least 48 pixels; the notes line says so.
public struct MapPicture: Picture {
    public var title: String
    public var subtitle: String?
    public var map: FloatMap
    public var colorMap: ColorMap
    /// `.perTile` and `.global` both mean the map's own finite min → max.
    public var scale: ColorScale
    /// What the values are, for the colour bar's caption (e.g. "mean activation").
    public var valueLabel: String

    public init(
        title: String, subtitle: String? = nil, map: FloatMap,
        colorMap: ColorMap = .viridis, scale: ColorScale = .global, valueLabel: String = "value"
    ) {
        self.title = title
        self.subtitle = subtitle
        self.map = map
        self.colorMap = colorMap
        self.scale = scale
        self.valueLabel = valueLabel
    }

    public func render(format: PictureFormat) throws -> [UInt8] {
        do {
            guard !map.isEmpty else { throw StrataError(.invalidInput, "map is \(map.height)×\(map.width), nothing to draw") }
            let type = try Typesetter()
            let scaling = MapScaling.uniform(rows: map.height, columns: map.width, target: 480, maxSide: 1600, minSide: 48)
            let plot = MatrixPlot(
                map: map, scaling: scaling, colorMap: colorMap, normalization: try scale.normalization(for: map.values),
                rowLabel: "row", columnLabel: "column", valueLabel: valueLabel)
            return try plot.figure(title: title, subtitle: subtitle, type).render(format: format, type)
        } catch let error as StrataError {
            throw error.located(ErrorLocation(detail: "map picture"))
        }
    }
}

import StrataCore

/// A matrix as coloured cells with labelled axes and a colour bar: time × channel for a sequence
/// layer's output, input × output for a Dense kernel. Sequential or diverging, by the colour map
/// and scale.
///
/// Cells need not be square: each axis is shown at about 600 pixels (cells 1…48 pixels), and an
/// axis longer than 1200 values is averaged over blocks first; the notes line says so.
public struct Heatmap: Picture {
    public var title: String
    public var subtitle: String?
    /// `rows × columns` values, row-major.
    public var matrix: FloatMap
    public var rowLabel: String
    public var columnLabel: String
    public var colorMap: ColorMap
    public var scale: ColorScale
    public var valueLabel: String

    public init(
        title: String, subtitle: String? = nil, matrix: FloatMap, rowLabel: String = "row", columnLabel: String = "column",
        colorMap: ColorMap = .viridis, scale: ColorScale = .global, valueLabel: String = "value"
    ) {
        self.title = title
        self.subtitle = subtitle
        self.matrix = matrix
        self.rowLabel = rowLabel
        self.columnLabel = columnLabel
        self.colorMap = colorMap
        self.scale = scale
        self.valueLabel = valueLabel
    }

    public func render(format: PictureFormat) throws -> [UInt8] {
        do {
            guard !matrix.isEmpty else { throw StrataError(.invalidInput, "matrix is \(matrix.height)×\(matrix.width), nothing to draw") }
            let type = try Typesetter()
            let scaling = MapScaling.independent(rows: matrix.height, columns: matrix.width, target: 600, maxSide: 1200, maxCell: 48)
            let plot = MatrixPlot(
                map: matrix, scaling: scaling, colorMap: colorMap, normalization: try scale.normalization(for: matrix.values),
                rowLabel: rowLabel, columnLabel: columnLabel, valueLabel: valueLabel)
            return try plot.figure(title: title, subtitle: subtitle, type).render(format: format, type)
        } catch let error as StrataError {
            throw error.located(ErrorLocation(detail: "heatmap"))
        }
    }
}

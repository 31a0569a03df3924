import StrataCore

/// A 2-D map of float32 values, row-major: `values[row * width + column]`. One channel of an
/// activation, one filter plane, a mean map, or a matrix (rows × columns) for a heatmap.
public struct FloatMap: Sendable, Hashable {
    public let height: Int
    public let width: Int
    public let values: [Float]

    /// Throws `invalidInput` when a size is negative or `values` does not hold `height · width`
    /// values. Empty maps (a side of 0) are allowed here; pictures refuse them.
    public init(height: Int, width: Int, values: [Float]) throws {
        guard height >= 0, width >= 0 else {
            throw StrataError(.invalidInput, "map size \(height)×\(width) is negative")
        }
        let (count, overflow) = height.multipliedReportingOverflow(by: width)
        guard !overflow, count == values.count else {
            throw StrataError(.invalidInput, "a \(height)×\(width) map needs \(overflow ? "more than Int.max" : String(count)) values, got \(values.count)")
        }
        self.height = height
        self.width = width
        self.values = values
    }

    /// A map whose size is known to match `values` (computed by StrataRender itself).
    init(checkedHeight height: Int, width: Int, values: [Float]) {
        precondition(height >= 0 && width >= 0 && height * width == values.count, "map size matches its values")
        self.height = height
        self.width = width
        self.values = values
    }

    /// The value at `row`, `column` (both in range).
    public subscript(row: Int, column: Int) -> Float { values[row * width + column] }

    /// Whether the map has no values.
    public var isEmpty: Bool { values.isEmpty }

    /// The smallest and largest finite values, nil when there is none.
    public var finiteRange: ClosedRange<Float>? { FloatMap.finiteRange(of: values) }

    static func finiteRange<S: Sequence>(of values: S) -> ClosedRange<Float>? where S.Element == Float {
        var low = Float.infinity, high = -Float.infinity
        for v in values where v.isFinite {
            if v < low { low = v }
            if v > high { high = v }
        }
        return low <= high ? low...high : nil
    }
}

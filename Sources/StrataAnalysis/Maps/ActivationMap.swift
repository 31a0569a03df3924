/// A float32 picture of one image's activation: `depth` slices of `height × width` values, row-major
/// (slice, then row, then column). A 2-D activation has one slice; a 3-D one (`[N, D, H, W, C]`) one
/// slice per depth; a sequence `[N, T, C]` is one row of `T` values.
public struct ActivationMap: Sendable, Equatable {
    public let depth: Int
    public let height: Int
    public let width: Int
    /// `depth · height · width` values.
    public var values: [Float]

    public init(depth: Int = 1, height: Int, width: Int, values: [Float]) {
        precondition(depth * height * width == values.count, "ActivationMap: values do not fill depth × height × width")
        self.depth = depth
        self.height = height
        self.width = width
        self.values = values
    }

    /// Depth slice `d` as a one-slice map.
    public func slice(_ d: Int) -> ActivationMap {
        precondition(d >= 0 && d < depth, "ActivationMap: slice out of range")
        let size = height * width
        return ActivationMap(height: height, width: width, values: Array(values[d * size ..< (d + 1) * size]))
    }

    /// The value at `(row, column)` of slice `d`.
    public subscript(row: Int, column: Int, slice d: Int = 0) -> Float {
        values[(d * height + row) * width + column]
    }
}

/// A shape seen as `[outer, axis, inner]` around one axis (or a block of axes): element
/// `(o, r, i)` is at `(o * axis + r) * inner + i`.
struct AxisSplit: Sendable, Equatable {
    var outer: Int
    var axis: Int
    var inner: Int

    init(outer: Int, axis: Int, inner: Int) {
        self.outer = outer
        self.axis = axis
        self.inner = inner
    }

    /// Splits `shape` around the axes `range`.
    init(_ shape: [Int], axes range: Range<Int>) {
        outer = shape[..<range.lowerBound].reduce(1, *)
        axis = shape[range].reduce(1, *)
        inner = shape[range.upperBound...].reduce(1, *)
    }

    /// Splits `shape` around the single axis `axis`.
    init(_ shape: [Int], axis a: Int) {
        self.init(shape, axes: a..<(a + 1))
    }

    var count: Int { outer * axis * inner }
}

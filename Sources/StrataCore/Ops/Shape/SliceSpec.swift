/// The resolved arguments of a Slice along each axis it touches: ONNX's starts/ends/axes/steps
/// after normalising negative axes and indices and clamping to the dimension.
public struct SliceSpec: Sendable {
    /// One sliced axis: elements `start, start+step, …` (`count` of them).
    public struct Axis: Sendable, Hashable {
        public var axis: Int
        public var start: Int
        public var step: Int
        public var count: Int
    }

    public var axes: [Axis]

    /// The raw arguments, checked for consistency (axes default to `0..<starts.count`, steps to 1).
    public struct Arguments: Sendable {
        public var starts: [Int]
        public var ends: [Int]
        public var axes: [Int]?
        public var steps: [Int]?

        public init(starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?) {
            self.starts = starts
            self.ends = ends
            self.axes = axes
            self.steps = steps
        }

        /// The axes, normalised, with their starts, ends and steps.
        public func normalized(rank: Int, node: Node) throws -> [(axis: Int, start: Int, end: Int, step: Int)] {
            guard starts.count == ends.count else {
                throw node.error("starts has \(starts.count) values but ends has \(ends.count)")
            }
            let axisList = try ShapeAlgebra.normalizeAxes(axes ?? Array(0..<starts.count), rank: rank, node: node)
            guard axisList.count == starts.count else {
                throw node.error("axes has \(axisList.count) values but starts has \(starts.count)")
            }
            let stepList = steps ?? Array(repeating: 1, count: starts.count)
            guard stepList.count == starts.count else {
                throw node.error("steps has \(stepList.count) values but starts has \(starts.count)")
            }
            if stepList.contains(0) { throw node.error("a slice step is 0") }
            return (0..<starts.count).map { (axisList[$0], starts[$0], ends[$0], stepList[$0]) }
        }
    }

    /// Resolves `arguments` against a concrete shape.
    public init(_ arguments: Arguments, shape: [Int], node: Node) throws {
        axes = try arguments.normalized(rank: shape.count, node: node).map { a in
            let (start, count) = Self.resolve(dim: shape[a.axis], start: a.start, end: a.end, step: a.step)
            let limit = Swift.max(shape[a.axis], 1)
            return Axis(axis: a.axis, start: start, step: Swift.min(Swift.max(a.step, -limit), limit), count: count)
        }
    }

    /// The first index and element count of `start:end:step` over a dimension of size `dim`,
    /// with ONNX's clamping (indices saturate rather than fail).
    /// A step longer than the dimension takes at most one element; it is shortened to the
    /// dimension so that later stride arithmetic cannot overflow.
    public static func resolve(dim: Int, start: Int, end: Int, step rawStep: Int) -> (start: Int, count: Int) {
        let step = rawStep > 0 ? Swift.min(rawStep, Swift.max(dim, 1)) : Swift.max(rawStep, -Swift.max(dim, 1))
        var s = start < 0 ? start &+ dim : start
        var e = end < 0 ? end &+ dim : end
        if step > 0 {
            s = Swift.min(Swift.max(s, 0), dim)
            e = Swift.min(Swift.max(e, 0), dim)
            return (s, e > s ? (e - s + step - 1) / step : 0)
        } else {
            s = Swift.min(Swift.max(s, -1), dim - 1)
            e = Swift.min(Swift.max(e, -1), dim - 1)
            return (s, s > e ? (s - e + (-step) - 1) / (-step) : 0)
        }
    }

    /// The output shape of slicing `shape`.
    public func outputShape(_ shape: [Int]) -> [Int] {
        var out = shape
        for a in axes { out[a.axis] = a.count }
        return out
    }
}

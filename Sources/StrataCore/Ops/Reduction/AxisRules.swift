/// Axis arithmetic shared by the type rules and kernels of ops that work along axes
/// (reductions, softmax, normalisations, top-k).
public enum AxisRules {
    /// `axis` in `-rank..<rank` mapped to `0..<rank`; an error naming `attribute` otherwise.
    public static func normalize(_ axis: Int, rank: Int, node: Node, attribute: String = "axis") throws -> Int {
        guard axis >= -rank, axis < rank else {
            throw node.attributeError(attribute, "axis \(axis) is out of range for a tensor of rank \(rank)")
        }
        return axis < 0 ? axis + rank : axis
    }

    /// The product of `shape[range]` as a size, or nil when a dimension there is symbolic.
    public static func product(_ shape: [Dim], _ range: Range<Int>) -> Int? {
        var n = 1
        for d in shape[range] {
            guard let v = d.value else { return nil }
            n *= v
        }
        return n
    }
}

/// Which axes a `Reduce*` node reduces over an input of known rank, following the op's opset
/// rules (`ReduceAttributes`); no axes means every axis unless `noop_with_empty_axes` is set.
public struct ReductionAxes: Sendable, Equatable {
    /// Sorted, unique, non-negative axes to reduce. Empty with `isNoop` means the identity.
    public var axes: [Int]
    /// Reduce over no axis at all (`noop_with_empty_axes` with no axes given).
    public var isNoop: Bool
    public var keepDims: Bool

    /// Resolves the axes of a node with `attributes` for data of rank `rank`. `axesInput` is the
    /// contents of input 1 when that input is given (nil when absent); it is ignored for old opsets.
    public init(_ attributes: ReduceAttributes, node: Node, rank: Int, axesInput: [Int]?) throws {
        keepDims = attributes.keepDims
        let given = attributes.axesFromInput ? axesInput : attributes.axes
        let noopWhenEmpty = attributes.noopWithEmptyAxes
        if rank == 0 {
            // A scalar reduces to itself whatever the axes say (only 0 and -1 are accepted).
            if let a = given?.first(where: { $0 != 0 && $0 != -1 }) {
                throw node.attributeError("axes", "axis \(a) is out of range for a tensor of rank 0")
            }
            axes = []
            isNoop = false
            return
        }
        guard let list = given, !list.isEmpty else {
            axes = noopWhenEmpty ? [] : Array(0..<rank)
            isNoop = noopWhenEmpty
            return
        }
        var set = Set<Int>()
        for a in list {
            guard a >= -rank, a < rank else {
                throw node.attributeError("axes", "axis \(a) is out of range for a tensor of rank \(rank)")
            }
            let n = a < 0 ? a + rank : a
            guard set.insert(n).inserted else {
                throw node.attributeError("axes", "axis \(a) is given twice")
            }
        }
        axes = set.sorted()
        isNoop = false
    }

    /// The output shape for input `shape`.
    public func outputShape<D>(_ shape: [D], one: D) -> [D] {
        if isNoop { return shape }
        var out: [D] = []
        for (i, d) in shape.enumerated() {
            if axes.contains(i) {
                if keepDims { out.append(one) }
            } else {
                out.append(d)
            }
        }
        return out
    }
}

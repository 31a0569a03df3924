import StrataCore

/// A captured tensor that is only a layout view of the value the model computes with: the Keras
/// importer captures a channels-first op's output through a `Transpose` back to NHWC that nothing
/// else reads, so the score does not depend on the view and its gradient is zero. The gradient of
/// the view is the gradient of its source, permuted the same way.
struct LayoutView {
    /// The value the model reads.
    let source: String
    /// The view's axes as the `Transpose`'s `perm`: view axis `i` is source axis `perm[i]`.
    let perm: [Int]

    /// The view behind `tensor`, or nil when `tensor` is read by some node or not a lone `Transpose`'s output.
    init?(of tensor: String, in graph: Graph) {
        guard !graph.nodes.contains(where: { $0.inputs.contains(tensor) }),
              !graph.outputs.contains(where: { $0.name == tensor }),
              let node = graph.nodes.first(where: { $0.outputs.first == tensor }),
              node.opType == "Transpose", node.inputs.count == 1,
              let perm = try? node.ints("perm"), Set(perm) == Set(0 ..< perm.count)
        else { return nil }
        source = node.inputs[0]
        self.perm = perm
    }

    /// `value` (float32, the source's shape) permuted into the view's layout.
    func permuted(_ value: Tensor) throws -> Tensor {
        let rank = value.rank
        guard rank == perm.count, value.dtype == .float32 else {
            throw StrataError(.invalidInput, "the gradient of '\(source)' has shape \(value.shape), not rank \(perm.count) float32")
        }
        let inShape = value.shape
        let outShape = perm.map { inShape[$0] }
        var inStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { inStrides[axis] = inStrides[axis + 1] * inShape[axis + 1] }
        let out = try Tensor(dtype: .float32, shape: outShape)
        let source = value.pointer(as: Float.self), target = out.pointer(as: Float.self)
        var index = [Int](repeating: 0, count: rank)
        for flat in 0 ..< out.count {
            var offset = 0
            for axis in 0 ..< rank { offset += index[axis] * inStrides[perm[axis]] }
            target[flat] = source[offset]
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < outShape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return out
    }
}

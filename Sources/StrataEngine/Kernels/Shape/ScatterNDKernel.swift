import StrataCore

/// ScatterND: a copy of `data` where each k-tuple of `indices` (its last axis) addresses a slice
/// `data[i_0, …, i_{k-1}, …]` that receives (or, with `reduction`, is combined with) the
/// matching slice of `updates`. Updates apply in index order.
struct ScatterNDKernel: Kernel {
    let node: Node
    let reduction: ScatterReduction

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        reduction = ScatterReduction(try node.typed(ScatterAttributes.self).reduction)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let data = try args.tensor(0), indexTensor = try args.tensor(1), updates = try args.tensor(2)
        guard updates.dtype == data.dtype else {
            throw node.error("updates are \(updates.dtype.rawValue), data is \(data.dtype.rawValue)", kind: .invalidInput)
        }
        guard let k = indexTensor.shape.last, indexTensor.rank >= 1, k <= data.rank else {
            throw node.error("indices of shape \(indexTensor.shape) cannot index data of rank \(data.rank)", kind: .invalidInput)
        }
        let expected = Array(indexTensor.shape.dropLast()) + Array(data.shape[k...])
        guard updates.shape == expected else {
            throw node.error("updates have shape \(updates.shape), expected \(expected)", kind: .invalidInput)
        }
        let offsets = try IndexList.tupleOffsets(indexTensor, into: Array(data.shape[..<k]), node: node)
        let slice = data.shape[k...].reduce(1, *)
        let es = data.dtype.byteSize
        let out = try data.copy()
        for (j, offset) in offsets.enumerated() {
            try reduction.apply(data.dtype, into: out.rawPointer + offset * slice * es,
                                from: updates.rawPointer + j * slice * es, count: slice, node: node)
        }
        return [out]
    }
}

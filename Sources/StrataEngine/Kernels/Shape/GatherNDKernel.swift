import StrataCore

/// GatherND: for each k-tuple on the last axis of `indices`, the slice of `data` it addresses,
/// after `batch_dims` leading axes that `data` and `indices` share.
struct GatherNDKernel: Kernel {
    let node: Node
    let batchDims: Int

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        batchDims = try node.typed(GatherNDAttributes.self).batchDims
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let data = try args.tensor(0), indexTensor = try args.tensor(1)
        let b = batchDims
        guard let outShape = ShapeTypeRules.gatherNDShape(data: data.shape, indices: indexTensor.shape, batchDims: b),
              let k = indexTensor.shape.last
        else {
            throw node.error("indices of shape \(indexTensor.shape) cannot index data of shape \(data.shape) with batch_dims \(b)",
                             kind: .invalidInput)
        }
        let offsets = try IndexList.tupleOffsets(indexTensor, into: Array(data.shape[b..<(b + k)]), node: node)
        let batches = data.shape[..<b].reduce(1, *)
        let perBatch = batches == 0 ? 0 : offsets.count / batches
        let slice = data.shape[(b + k)...].reduce(1, *)
        let batchSize = data.shape[b...].reduce(1, *)
        let es = data.dtype.byteSize
        let out = try Tensor(dtype: data.dtype, shape: outShape)
        for (j, offset) in offsets.enumerated() {
            let batch = perBatch == 0 ? 0 : j / perBatch
            (out.rawPointer + j * slice * es).copyMemory(
                from: data.rawPointer + (batch * batchSize + offset * slice) * es, byteCount: slice * es)
        }
        return [out]
    }
}

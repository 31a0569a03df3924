import StrataCore

/// TensorScatter (opset 24): a copy of `past_cache` with `update` written along `axis` (default -2,
/// never the batch axis 0) from position `write_indices[b]` of each batch entry b (default 0).
/// `mode` "linear" requires every write to fit; "circular" wraps positions modulo the cache length.
struct TensorScatterKernel: Kernel {
    let node: Node
    let axis: Int
    let circular: Bool

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(TensorScatterAttributes.self)
        (axis, circular) = (attributes.axis, attributes.circular)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let (cache, update) = (try args.tensor(0), try args.tensor(1))
        let a = axis < 0 ? axis + cache.rank : axis
        guard (1..<Swift.max(1, cache.rank)).contains(a) else {
            throw node.attributeError("axis", "\(axis) must name a non-batch axis of past_cache \(cache.type)", kind: .invalidInput)
        }
        guard update.dtype == cache.dtype, update.rank == cache.rank,
              cache.shape.indices.allSatisfy({ $0 == a ? update.shape[$0] <= cache.shape[$0] : update.shape[$0] == cache.shape[$0] }) else {
            throw node.error("update \(update.type) does not fit past_cache \(cache.type) along axis \(a)", kind: .invalidInput)
        }
        let batch = cache.shape[0]
        let starts = try args.ints(2, "write_indices") ?? Array(repeating: 0, count: batch)
        guard starts.count == batch else {
            throw node.error("write_indices holds \(starts.count) values for a batch of \(batch)", kind: .invalidInput)
        }
        let (length, sequence) = (cache.shape[a], update.shape[a])
        let perBatch = cache.shape[1..<a].reduce(1, *), inner = cache.shape[(a + 1)...].reduce(1, *)
        let y = try cache.copy()
        let bytes = inner * cache.dtype.byteSize
        for o in 0..<(batch * perBatch) {
            let start = starts[o / perBatch]
            for s in 0..<sequence {
                var position = start + s
                if circular, length > 0 { position = ((position % length) + length) % length }
                guard (0..<length).contains(position) else {
                    throw node.error("write position \(position) of batch entry \(o / perBatch) lies outside the cache's \(length)",
                                     kind: .invalidInput)
                }
                (y.rawPointer + (o * length + position) * bytes)
                    .copyMemory(from: update.rawPointer + (o * sequence + s) * bytes, byteCount: bytes)
            }
        }
        return [y]
    }
}

import StrataCore

/// ReverseSequence: for each batch entry `b`, the first `sequence_lens[b]` steps along
/// `time_axis` in reverse order, the rest unchanged (`time_axis` and `batch_axis` are 0 and 1).
struct ReverseSequenceKernel: Kernel {
    let node: Node
    let timeAxis: Int
    let batchAxis: Int

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(ReverseSequenceAttributes.self)
        (timeAxis, batchAxis) = (attributes.timeAxis, attributes.batchAxis)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        guard x.rank >= 2 else { throw node.error("expects rank >= 2, found shape \(x.shape)", kind: .invalidInput) }
        guard let lengths = try args.ints(1, "sequence_lens"), lengths.count == x.shape[batchAxis] else {
            throw node.error("sequence_lens must have one entry per batch entry", kind: .invalidInput)
        }
        let steps = x.shape[timeAxis]
        if let bad = lengths.first(where: { $0 < 0 || $0 > steps }) {
            throw node.error("sequence length \(bad) is outside 0...\(steps)", kind: .invalidInput)
        }
        let row = x.shape[2...].reduce(1, *) * x.dtype.byteSize
        let out = try x.copy()
        let batchStride = batchAxis == 0 ? steps : 1
        let timeStride = timeAxis == 0 ? x.shape[batchAxis] : 1
        for (b, length) in lengths.enumerated() {
            for t in 0..<length {
                let to = (b * batchStride + t * timeStride) * row
                let from = (b * batchStride + (length - 1 - t) * timeStride) * row
                (out.rawPointer + to).copyMemory(from: x.rawPointer + from, byteCount: row)
            }
        }
        return [out]
    }
}

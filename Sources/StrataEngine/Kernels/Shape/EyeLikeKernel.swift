import StrataCore

/// EyeLike: a tensor of the 2-D input's shape (in the `dtype` attribute's type, else the input's)
/// with ones on diagonal `k` and zeros elsewhere.
struct EyeLikeKernel: Kernel {
    let node: Node
    let attributes: EyeLikeAttributes
    let k: Int

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributes = try node.typed(EyeLikeAttributes.self)
        k = attributes.k
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try KernelInputs(inputs, node: node).tensor(0)
        guard x.rank == 2 else { throw node.error("expects a 2-D input, found shape \(x.shape)", kind: .invalidInput) }
        let dtype = attributes.dtype ?? x.dtype
        let out = try Tensor(dtype: dtype, shape: x.shape, zeroed: true)
        let one = try ScalarElement.make(1, dtype: dtype)
        let (rows, cols) = (x.shape[0], x.shape[1])
        let es = dtype.byteSize
        for i in 0..<rows {
            let (j, overflow) = i.addingReportingOverflow(k)
            guard !overflow, j >= 0, j < cols else { continue }
            (out.rawPointer + (i * cols + j) * es).copyMemory(from: one.rawPointer, byteCount: es)
        }
        return [out]
    }
}

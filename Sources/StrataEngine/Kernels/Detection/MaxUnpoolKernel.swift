import StrataCore

/// MaxUnpool: the inverse of MaxPool with indices. A zero tensor of the inferred shape
/// (`(in - 1)·stride + kernel - pad_begin - pad_end` per spatial axis) gets each X value at its index
/// in I, a flat index into that whole tensor as MaxPool writes it. An `output_shape` input at least
/// as large holds that tensor at its start, zeros after it: the ONNX reference's reading, which the
/// node suite's `test_maxunpool_export_with_output_shape` checks. onnxruntime (1.32) instead indexes
/// the `output_shape` tensor directly, so the two differ only when `output_shape` exceeds the inferred
/// shape (onnx/onnx#2398).
struct MaxUnpoolKernel: Kernel {
    let node: Node
    let kernelShape: [Int]
    let strides: [Int]
    let pads: [Int]

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(MaxUnpoolAttributes.self)
        (kernelShape, strides, pads) = (attributes.kernelShape, attributes.strides, attributes.pads)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let (x, indices) = (try args.tensor(0), try args.tensor(1))
        guard x.rank == kernelShape.count + 2, indices.shape == x.shape, indices.dtype == .int64 else {
            throw node.error("X \(x.type) and I \(indices.type) must be one shape of rank \(kernelShape.count + 2), I int64",
                             kind: .invalidInput)
        }
        var inferred = Array(x.shape.prefix(2))
        for i in kernelShape.indices {
            let extent = (x.shape[i + 2] - 1) * strides[i] + kernelShape[i] - pads[i] - pads[i + kernelShape.count]
            guard extent >= 0 else { throw node.error("spatial axis \(i) would have size \(extent)", kind: .invalidInput) }
            inferred.append(extent)
        }
        var shape = inferred
        if let given = try args.ints(2, "output_shape") {
            guard given.count == x.rank, zip(given, inferred).allSatisfy({ $0 >= $1 }), given.prefix(2).elementsEqual(inferred.prefix(2)) else {
                throw node.error("output_shape \(given) must be at least the inferred \(inferred)", kind: .invalidInput)
            }
            shape = given
        }
        guard shape.checkedElementCount != nil else {
            throw node.error("output shape \(shape) is too large", kind: .resourceLimit)
        }
        let scattered = try Tensor(dtype: x.dtype, shape: inferred, zeroed: true)
        let size = x.dtype.byteSize
        let index = indices.pointer(as: Int64.self)
        for i in 0..<x.count {
            let target = Int(index[i])
            guard (0..<scattered.count).contains(target) else {
                throw node.error("index \(target) at position \(i) lies outside the \(scattered.count) elements of \(inferred)",
                                 kind: .invalidInput)
            }
            (scattered.rawPointer + target * size).copyMemory(from: x.rawPointer + i * size, byteCount: size)
        }
        guard shape != inferred else { return [scattered] }
        // A larger output_shape holds the unpooled values at its start along each axis (zeros after).
        let y = try Tensor(dtype: x.dtype, shape: shape, zeroed: true)
        let rows = inferred.dropLast().reduce(1, *), row = inferred.last! * size
        for r in 0..<rows {
            var (rest, offset) = (r, 0)
            var step = 1
            for axis in stride(from: inferred.count - 1, through: 0, by: -1) {
                if axis < inferred.count - 1 {
                    offset += (rest % inferred[axis]) * step
                    rest /= inferred[axis]
                }
                step *= shape[axis]
            }
            (y.rawPointer + offset * size).copyMemory(from: scattered.rawPointer + r * row, byteCount: row)
        }
        return [y]
    }
}

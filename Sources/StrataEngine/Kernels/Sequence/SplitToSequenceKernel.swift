import StrataCore

/// `SplitToSequence`: the input cut along `axis` into a sequence. `split` absent: pieces of size
/// 1 (the axis removed when `keepdims` is false); a scalar: pieces of that size, the last one
/// smaller when the size does not divide the axis; a 1-D tensor: the sizes of the pieces, which
/// must add up to the axis.
struct SplitToSequenceKernel: ValueKernel {
    let node: Node
    let attributes: SplitToSequenceAttributes

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributes = try node.typed(SplitToSequenceAttributes.self)
    }

    func run(values: [Value?], context: ExecutionContext) throws -> [Value] {
        let args = SequenceInputs(values, node: node)
        let x = try args.tensor(0)
        let axis = try ShapeAlgebra.normalizeAxis(attributes.axis, rank: x.rank, node: node)
        let length = x.shape[axis]
        var sizes: [Int]
        if args.has(1) {
            let split = try args.tensor(1)
            guard split.dtype == .int32 || split.dtype == .int64, split.rank <= 1 else {
                throw node.error("split must be an int32 or int64 scalar or 1-D tensor; it is \(split.type)", kind: .invalidInput)
            }
            if split.rank == 0 {
                let size = split.intValue(at: 0)
                guard size > 0 else { throw node.error("split size \(size) must be positive", kind: .invalidInput) }
                sizes = Array(repeating: size, count: length / size)
                if length % size > 0 { sizes.append(length % size) }
            } else {
                sizes = split.ints()
                guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, { $0 &+ $1 }) == length else {
                    throw node.error("split sizes \(sizes) do not add up to \(length), the size of axis \(axis)", kind: .invalidInput)
                }
            }
        } else {
            sizes = Array(repeating: 1, count: length)
        }
        let strides = StridedCopy.contiguousStrides(x.shape)
        var start = 0
        let removeAxis = !args.has(1) && !attributes.keepdims
        let pieces: [Tensor] = try sizes.map { size in
            var shape = x.shape
            shape[axis] = size
            let piece = try StridedCopy.elements(of: x, shape: shape, strides: strides, offset: start * strides[axis], context: context)
            start += size
            if removeAxis {
                shape.remove(at: axis)
                return piece.reshaped(shape)
            }
            return piece
        }
        return [.sequence(try TensorSequence(dtype: x.dtype, elements: pieces))]
    }
}

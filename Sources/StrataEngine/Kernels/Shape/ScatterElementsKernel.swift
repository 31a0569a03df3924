import StrataCore

/// ScatterElements: a copy of `data` where `updates[i…]` goes to the position `i…` with its
/// `axis` coordinate replaced by `indices[i…]` (combined per `reduction`), in index order.
struct ScatterElementsKernel: Kernel {
    let node: Node
    let axis: Int
    let reduction: ScatterReduction

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(ScatterAttributes.self)
        axis = attributes.axis
        reduction = ScatterReduction(attributes.reduction)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let data = try args.tensor(0), indexTensor = try args.tensor(1), updates = try args.tensor(2)
        guard updates.dtype == data.dtype else {
            throw node.error("updates are \(updates.dtype.rawValue), data is \(data.dtype.rawValue)", kind: .invalidInput)
        }
        let rank = data.rank
        let a = try ShapeAlgebra.normalizeAxis(axis, rank: rank, node: node)
        guard indexTensor.shape == updates.shape, indexTensor.rank == rank,
              (0..<rank).allSatisfy({ $0 == a || indexTensor.shape[$0] <= data.shape[$0] })
        else {
            throw node.error("indices \(indexTensor.shape) and updates \(updates.shape) do not fit data \(data.shape)",
                             kind: .invalidInput)
        }
        let indices = try IndexList.resolve(indexTensor, size: data.shape[a], node: node)
        let strides = StridedCopy.contiguousStrides(data.shape)
        let shape = indexTensor.shape
        let out = try data.copy()
        let es = data.dtype.byteSize
        var index = [Int](repeating: 0, count: rank)
        var base = 0
        for k in 0..<indexTensor.count {
            try reduction.apply(data.dtype, into: out.rawPointer + (base + indices[k] * strides[a]) * es,
                                from: updates.rawPointer + k * es, count: 1, node: node)
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                if d != a { base += strides[d] }
                if index[d] < shape[d] { break }
                if d != a { base -= strides[d] * shape[d] }
                index[d] = 0
                d -= 1
            }
        }
        return [out]
    }
}

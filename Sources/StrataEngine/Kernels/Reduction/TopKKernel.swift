import StrataCore

/// `TopK`: the `k` largest (or, with `largest` 0, smallest) elements along `axis` and their
/// int64 indices. `k` is an attribute before opset 10 and input 1 from then on. Equal values
/// keep the lower index first. The output is always sorted, which `sorted` 0 permits.
struct TopKKernel: Kernel {
    let node: Node
    let axis: Int
    let largest: Bool
    let attributeK: Int?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(TopKAttributes.self)
        axis = attributes.axis
        largest = attributes.largest
        attributeK = attributes.kAttribute
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard let x = inputs.first ?? nil else { throw node.error("input 'X' is missing") }
        let k: Int
        if let attributeK {
            k = attributeK
        } else {
            guard inputs.count > 1, let kTensor = inputs[1] else { throw node.error("input 'K' is missing") }
            guard kTensor.dtype.isInteger, kTensor.count == 1 else {
                throw node.error("input 'K' must be one integer, got \(kTensor.dtype.rawValue)\(kTensor.shape)")
            }
            k = kTensor.ints()[0]
        }
        let a = try AxisRules.normalize(axis, rank: x.rank, node: node)
        let split = AxisSplit(x.shape, axis: a)
        guard k >= 0, k <= split.axis else {
            throw node.error("k = \(k) must be between 0 and the axis size \(split.axis)", kind: .invalidInput)
        }
        var outShape = x.shape
        outShape[a] = k
        guard let computeType = NumericStaging.computeType(for: x.dtype, integers: true) else {
            throw NumericStaging.unsupported(x.dtype, node: node, supported: "numeric")
        }
        let staged = try NumericStaging.convert(x, to: computeType)
        let values = try Tensor(dtype: computeType, shape: outShape)
        let indices = try Tensor(dtype: .int64, shape: outShape)
        switch computeType {
        case .float32: select(Float.self, staged, split: split, k: k, values: values, indices: indices, context: context)
        case .float64: select(Double.self, staged, split: split, k: k, values: values, indices: indices, context: context)
        default: select(Int64.self, staged, split: split, k: k, values: values, indices: indices, context: context)
        }
        return [try NumericStaging.convert(values, to: x.dtype), indices]
    }

    private func select<T: ReduceScalar>(
        _ type: T.Type, _ x: Tensor, split: AxisSplit, k: Int, values: Tensor, indices: Tensor, context: ExecutionContext
    ) {
        let (n, inner) = (split.axis, split.inner)
        let largest = self.largest
        guard k > 0 else { return }
        // A small k keeps a sorted list of the best so far; a large one sorts the whole line.
        let insertion = k <= 32
        context.parallelFor(split.outer * inner, minChunk: Swift.max(1, 4096 / Swift.max(n, 1))) { range in
            let xp = x.pointer(as: T.self), vp = values.pointer(as: T.self), ip = indices.pointer(as: Int64.self)
            var line = [T](repeating: .zero, count: insertion ? k : n)
            var order = [Int](repeating: 0, count: insertion ? k : n)
            for l in range {
                let o = l / inner, i = l % inner
                let src = xp + o * n * inner + i
                if insertion {
                    var filled = 0
                    for r in 0..<n {
                        let v = src[r * inner]
                        if filled == k && !(largest ? v > line[k - 1] : v < line[k - 1]) { continue }
                        // Strictly better only: an equal value already kept has the lower index.
                        var j = filled == k ? k - 1 : filled
                        while j > 0 && (largest ? v > line[j - 1] : v < line[j - 1]) {
                            line[j] = line[j - 1]
                            order[j] = order[j - 1]
                            j -= 1
                        }
                        line[j] = v
                        order[j] = r
                        if filled < k { filled += 1 }
                    }
                } else {
                    for r in 0..<n {
                        line[r] = src[r * inner]
                        order[r] = r
                    }
                    line.withUnsafeBufferPointer { v in
                        // Ties go to the lower index, which makes the order total and the result deterministic.
                        if largest {
                            order.sort { v[$0] > v[$1] || (v[$0] == v[$1] && $0 < $1) }
                        } else {
                            order.sort { v[$0] < v[$1] || (v[$0] == v[$1] && $0 < $1) }
                        }
                    }
                }
                let vOut = vp + o * k * inner + i, iOut = ip + o * k * inner + i
                for j in 0..<k {
                    vOut[j * inner] = insertion ? line[j] : line[order[j]]
                    iOut[j * inner] = Int64(order[j])
                }
            }
        }
    }
}

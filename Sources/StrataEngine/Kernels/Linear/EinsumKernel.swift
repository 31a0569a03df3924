import StrataCore

/// ONNX `Einsum`, any equation numpy accepts (explicit or implicit output, ellipsis, repeated
/// labels for diagonals and traces). Each operand first loses its repeated labels (diagonal) and the
/// labels nothing else needs (summed); operands are then contracted left to right, each contraction
/// one batched matrix product over permuted copies; the result is summed and permuted into the
/// output's order. float16 and bfloat16 are computed in float32.
struct EinsumKernel: Kernel {
    let node: Node
    let equation: EinsumEquation

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        equation = try node.typed(EinsumAttributes.self).equation
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let operands = try inputs.enumerated().map { i, t in
            guard let t else { throw node.error("input \(i) is missing") }
            return t
        }
        guard let first = operands.first else { throw node.error("needs at least one input") }
        guard operands.allSatisfy({ $0.dtype == first.dtype }) else {
            throw node.error("inputs have different dtypes", kind: .invalidInput)
        }
        switch first.dtype {
        case .float32: return [try evaluate(Float.self, operands)]
        case .float64: return [try evaluate(Double.self, operands)]
        case .int32: return [try evaluate(Int32.self, operands)]
        case .int64: return [try evaluate(Int64.self, operands)]
        case .uint32: return [try evaluate(UInt32.self, operands)]
        case .uint64: return [try evaluate(UInt64.self, operands)]
        case .float16, .bfloat16:
            return try runWidened(inputs, from: first.dtype, context: context) { try run($0, context: context) }
        default: throw node.error("dtype \(first.dtype.rawValue) is not supported", kind: .unsupported)
        }
    }

    private func evaluate<T: GemmScalar>(_: T.Type, _ operands: [Tensor]) throws -> Tensor {
        let (labels, output) = try equation.labels(ranks: operands.map(\.rank), node: node)
        var sizes: [Int: Int] = [:]
        for (t, ls) in zip(operands, labels) {
            for (label, size) in zip(ls, t.shape) {
                let known = sizes[label] ?? 1
                guard known == size || known == 1 || size == 1 else {
                    throw node.error("label of size \(known) meets size \(size) in \(t.shape)", kind: .invalidInput)
                }
                sizes[label] = Swift.max(known, size)
            }
        }
        var terms = zip(operands, labels).map { LabeledArray<T>(tensor: $0, labels: $1) }
        for i in terms.indices {
            let later = Set(terms[(i + 1)...].flatMap(\.labels) + terms[..<i].flatMap(\.labels) + output)
            terms[i] = terms[i].diagonal().summing(keeping: later)
        }
        var result = terms[0]
        for i in terms.indices.dropFirst() {
            let needed = Set(terms[(i + 1)...].flatMap(\.labels) + output)
            result = try LabeledArray.contract(result.summing(keeping: needed.union(terms[i].labels)), terms[i],
                                               keeping: needed, sizes: sizes, node: node)
        }
        result = result.summing(keeping: Set(output))
        let arranged = try result.arranged(output, sizes: sizes, node: node)
        return try arranged.tensor(dtype: T.dtype)
    }
}

import StrataCore

/// `ReduceSum`, `ReduceMean`, `ReduceMax`, `ReduceMin`, `ReduceProd`, `ReduceL1`, `ReduceL2`,
/// `ReduceSumSquare`, `ReduceLogSumExp` and `ReduceLogSum`, every opset: axes from the attribute
/// or input 1, `keepdims`, `noop_with_empty_axes`; a reduction over an empty set gives the
/// operation's identity (0 for sums, 1 for products, -inf/+inf for max/min, NaN for the mean).
struct ReduceKernel: Kernel {
    enum Operation: Sendable {
        case sum, mean, max, min, prod, l1, l2, sumSquare, logSumExp, logSum
    }

    let node: Node
    let operation: Operation
    let attributes: ReduceAttributes

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        switch node.opType {
        case "ReduceSum": operation = .sum
        case "ReduceMean": operation = .mean
        case "ReduceMax": operation = .max
        case "ReduceMin": operation = .min
        case "ReduceProd": operation = .prod
        case "ReduceL1": operation = .l1
        case "ReduceL2": operation = .l2
        case "ReduceSumSquare": operation = .sumSquare
        case "ReduceLogSumExp": operation = .logSumExp
        case "ReduceLogSum": operation = .logSum
        default: throw node.error("not a reduction", kind: .unsupported)
        }
        attributes = try node.typed(ReduceAttributes.self)
        if let rank = ctx.inputTypes.first??.rank, !attributes.axesFromInput {
            _ = try ReductionAxes(attributes, node: node, rank: rank, axesInput: nil)
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard let x = inputs.first ?? nil else { throw node.error("input 'data' is missing") }
        var axesInput: [Int]?
        if attributes.axesFromInput, inputs.count > 1, let a = inputs[1] {
            guard a.dtype.isInteger, a.rank <= 1 else {
                throw node.error("input 'axes' must be a 1-D integer tensor, got \(a.dtype.rawValue)\(a.shape)")
            }
            axesInput = a.ints()
        }
        let axes = try ReductionAxes(attributes, node: node, rank: x.rank, axesInput: axesInput)
        let floatOnly = operation == .logSumExp || operation == .logSum
        let ordered = operation == .max || operation == .min
        guard let computeType = NumericStaging.computeType(for: x.dtype, integers: !floatOnly, bool: ordered) else {
            throw NumericStaging.unsupported(x.dtype, node: node, supported: floatOnly ? "floating point" : "numeric")
        }
        let staged = try NumericStaging.convert(x, to: computeType)
        let y: Tensor
        switch computeType {
        case .float32: y = try reduceFloat(Float.self, staged, axes: axes, context: context)
        case .float64: y = try reduceFloat(Double.self, staged, axes: axes, context: context)
        default:
            y = try reduce(Int64.self, staged, axes: axes, context: context)
            if x.dtype == .bool {
                // Over an empty set max gives Int64.min and min Int64.max: false and true.
                let p = y.pointer(as: Int64.self)
                for i in 0..<y.count { p[i] = p[i] > 0 ? 1 : 0 }
            }
        }
        return [try NumericStaging.convert(y, to: x.dtype).reshaped(axes.outputShape(x.shape, one: 1))]
    }

    private func reduceFloat<T: ReduceFloat>(_ type: T.Type, _ x: Tensor, axes: ReductionAxes, context: ExecutionContext) throws -> Tensor {
        switch operation {
        case .logSumExp:
            let (arranged, split) = try ReductionLoops.arrange(x, as: T.self, axes: axes)
            let y = try Tensor(dtype: x.dtype, shape: [split.outer * split.inner])
            try ReductionLoops.logSumExp(T.self, arranged, split: split, into: y, context: context)
            return y
        case .logSum:
            let y = try reduce(T.self, x, axes: axes, context: context)
            let p = y.pointer(as: T.self)
            for i in 0..<y.count { p[i] = p[i].logarithm }
            return y
        default:
            return try reduce(T.self, x, axes: axes, context: context)
        }
    }

    /// The operations defined for every numeric type (`logSum` sums here; the caller takes the log).
    private func reduce<T: ReduceScalar>(_ type: T.Type, _ x: Tensor, axes: ReductionAxes, context: ExecutionContext) throws -> Tensor {
        let (arranged, split) = try ReductionLoops.arrange(x, as: T.self, axes: axes)
        let y = try Tensor(dtype: x.dtype, shape: [split.outer * split.inner])
        switch operation {
        case .sum, .mean, .logSum: try ReductionLoops.reduce(SumReducer<T>.self, arranged, split: split, into: y, context: context)
        case .max: try ReductionLoops.reduce(MaxReducer<T>.self, arranged, split: split, into: y, context: context)
        case .min: try ReductionLoops.reduce(MinReducer<T>.self, arranged, split: split, into: y, context: context)
        case .prod: try ReductionLoops.reduce(ProdReducer<T>.self, arranged, split: split, into: y, context: context)
        case .l1: try ReductionLoops.reduce(AbsSumReducer<T>.self, arranged, split: split, into: y, context: context)
        case .l2, .sumSquare:
            try ReductionLoops.reduce(SquareSumReducer<T>.self, arranged, split: split, into: y, context: context)
        case .logSumExp:
            preconditionFailure("log-sum-exp is floating point only and computed by reduceFloat")
        }
        let p = y.pointer(as: T.self)
        if operation == .mean {
            for i in 0..<y.count { p[i] = p[i].divided(by: split.axis) }
        } else if operation == .l2 {
            for i in 0..<y.count { p[i] = p[i].squareRoot }
        }
        return y
    }
}

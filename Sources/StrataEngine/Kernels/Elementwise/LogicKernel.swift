import StrataCore

/// `And`, `Or`, `Xor` (with NumPy broadcasting) and `Not` on bool tensors.
struct LogicKernel: Kernel {
    enum Operation: Sendable { case and, or, xor, not }

    let operation: Operation
    let opType: String

    init(_ ctx: KernelBuildContext, _ operation: Operation) throws {
        self.operation = operation
        self.opType = ctx.node.opType
        let arity = operation == .not ? 1 : 2
        if ctx.node.inputs.count != arity { throw ctx.node.error("expected \(arity) inputs, found \(ctx.node.inputs.count)") }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let values = try inputs.indices.map { try ElementwiseInputs.required(inputs, $0) }
        for v in values where v.dtype != .bool { throw ElementwiseInputs.unsupported(v.dtype, opType) }
        if operation == .not {
            let out = try Tensor(dtype: .bool, shape: values[0].shape)
            ElementwiseLoop.unary(values[0], into: out, context: context) { (x: UnsafePointer<UInt8>, y: UnsafeMutablePointer<UInt8>, n) in
                for i in 0..<n { y[i] = x[i] == 0 ? 1 : 0 }
            }
            return [out]
        }
        let plan = try ElementwiseInputs.plan(values)
        let out = try Tensor(dtype: .bool, shape: plan.shape)
        switch operation {
        case .and: ElementwiseLoop.binary(AndFunction.self, values[0], values[1], into: out, plan: plan, context: context)
        case .or: ElementwiseLoop.binary(OrFunction.self, values[0], values[1], into: out, plan: plan, context: context)
        case .xor, .not: ElementwiseLoop.binary(XorFunction.self, values[0], values[1], into: out, plan: plan, context: context)
        }
        return [out]
    }
}

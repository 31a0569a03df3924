import StrataCore

/// `Equal`, `Less`, `Greater`, `LessOrEqual`, `GreaterOrEqual`: bool output with NumPy
/// broadcasting, for every numeric dtype and bool.
struct ComparisonKernel: Kernel {
    enum Comparison: Sendable { case equal, less, greater, lessOrEqual, greaterOrEqual }

    let comparison: Comparison
    let opType: String

    init(_ ctx: KernelBuildContext, _ comparison: Comparison) throws {
        self.comparison = comparison
        self.opType = ctx.node.opType
        if ctx.node.inputs.count != 2 { throw ctx.node.error("expected 2 inputs, found \(ctx.node.inputs.count)") }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        var values = [try ElementwiseInputs.required(inputs, 0), try ElementwiseInputs.required(inputs, 1)]
        let dtype = try ElementwiseInputs.commonDType(values)
        values = try ElementwiseInputs.widened(values, dtype, context)
        let plan = try ElementwiseInputs.plan(values)
        let out = try Tensor(dtype: .bool, shape: plan.shape)
        try Visitor(comparison: comparison, a: values[0], b: values[1], out: out, plan: plan, context: context)
            .dispatch(values[0].dtype)
        return [out]
    }

    private struct Visitor: ArithmeticVisitor {
        let comparison: Comparison
        let a: Tensor, b: Tensor, out: Tensor
        let plan: Broadcast
        let context: ExecutionContext

        func visit<T: ArithmeticElement>(_ type: T.Type) throws {
            switch comparison {
            case .equal: run(EqualFunction<T>.self)
            case .less: run(LessFunction<T>.self)
            case .greater: run(GreaterFunction<T>.self)
            case .lessOrEqual: run(LessOrEqualFunction<T>.self)
            case .greaterOrEqual: run(GreaterOrEqualFunction<T>.self)
            }
        }

        private func run<F: BinaryFunction>(_ function: F.Type) {
            ElementwiseLoop.binary(F.self, a, b, into: out, plan: plan, context: context)
        }
    }
}

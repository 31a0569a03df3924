import StrataCore

/// `PRelu`: `x < 0 ? slope * x : x`, with `slope` broadcast unidirectionally to `x`'s shape.
/// A 1-D slope whose length is `x`'s channel count (dimension 1) but which NumPy rules would not
/// place on that dimension is applied per channel, as models written for the opset 6 form expect.
struct PReluKernel: Kernel {
    init(_ ctx: KernelBuildContext) throws {
        if ctx.node.inputs.count != 2 { throw ctx.node.error("expected 2 inputs, found \(ctx.node.inputs.count)") }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try ElementwiseInputs.required(inputs, 0)
        var slope = try ElementwiseInputs.required(inputs, 1)
        let dtype = try ElementwiseInputs.commonDType([x, slope])
        if slope.rank == 1, x.rank > 2, slope.count == x.shape[1], slope.count != x.shape[x.rank - 1], slope.count != 1 {
            slope = slope.reshaped([slope.count] + [Int](repeating: 1, count: x.rank - 2))
        }
        let values = try ElementwiseInputs.widened([x, slope], dtype, context)
        let plan = try ElementwiseInputs.plan(values)
        if plan.shape != x.shape {
            throw StrataError(.invalidInput, "slope of shape \(slope.shape.dims.shapeDescription) does not broadcast to input shape \(x.shape.dims.shapeDescription)")
        }
        let out = try Tensor(dtype: values[0].dtype, shape: plan.shape)
        try Visitor(a: values[0], b: values[1], out: out, plan: plan, context: context).dispatch(values[0].dtype)
        return [ElementwiseInputs.isHalf(dtype) ? try out.converted(to: dtype, context: context) : out]
    }

    private struct Visitor: ArithmeticVisitor {
        let a: Tensor, b: Tensor, out: Tensor
        let plan: Broadcast
        let context: ExecutionContext

        func visit<T: ArithmeticElement>(_ type: T.Type) throws {
            ElementwiseLoop.binary(PReluFunction<T>.self, a, b, into: out, plan: plan, context: context)
        }
    }
}

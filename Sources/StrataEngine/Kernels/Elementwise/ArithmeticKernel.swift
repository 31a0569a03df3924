import StrataCore

/// `Add`, `Sub`, `Mul`, `Div`, `Pow`, `Mod` (two inputs) and `Min`, `Max`, `Sum`, `Mean` (one or more
/// inputs, folded left to right) with NumPy broadcasting. Floats, doubles and all integer types
/// are computed directly; float16 and bfloat16 in float32. Integer division truncates toward
/// zero; an integer zero divisor is an error (for `Div` and `Mod`). `Mod` follows its `fmod`
/// attribute: 0 (default) takes the divisor's sign like Python, 1 the dividend's like C. `Pow`
/// with an exponent of another dtype converts the exponent to the base's dtype, except that integer bases with float exponents are computed
/// in float64 and truncated, and half-precision bases with their exponent in float32.
struct ArithmeticKernel: Kernel {
    enum Operation: Sendable {
        case add, subtract, multiply, divide, power, truncatedModulo, flooredModulo, minimum, maximum, sum, mean
    }

    let operation: Operation
    let opType: String

    init(_ ctx: KernelBuildContext, _ operation: Operation) throws {
        self.operation = operation
        self.opType = ctx.node.opType
        let arity = ctx.node.inputs.count
        let binary = [.add, .subtract, .multiply, .divide, .power, .truncatedModulo, .flooredModulo].contains(operation)
        if binary ? arity != 2 : arity < 1 {
            throw ctx.node.error("expected \(binary ? "2 inputs" : "at least 1 input"), found \(arity)")
        }
    }

    /// `Mod`, with the rounding its `fmod` attribute picks.
    static func modulo(_ ctx: KernelBuildContext) throws -> ArithmeticKernel {
        try ArithmeticKernel(ctx, try ctx.node.typed(ModAttributes.self).fmod ? .truncatedModulo : .flooredModulo)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        var values = try inputs.indices.map { try ElementwiseInputs.required(inputs, $0) }
        if operation == .power, let square = try squareOrCube(values[0], values[1], context) { return [square] }
        if operation == .power && values[1].dtype != values[0].dtype {
            let base = values[0].dtype
            if (base.isInteger || base == .bool) && values[1].dtype.isFloatingPoint {
                let result = try combine(values[0].converted(to: .float64, context: context),
                                         values[1].converted(to: .float64, context: context), context)
                return [try result.converted(to: base, context: context)]
            }
            if ElementwiseInputs.isHalf(base) {
                let result = try combine(values[0].converted(to: .float32, context: context),
                                         values[1].converted(to: .float32, context: context), context)
                return [try result.converted(to: base, context: context)]
            }
            values[1] = try values[1].converted(to: base, context: context)
        }
        let dtype = try ElementwiseInputs.commonDType(values)
        if dtype == .bool { throw ElementwiseInputs.unsupported(dtype, opType) }
        values = try ElementwiseInputs.widened(values, dtype, context)
        var result = values[0]
        for next in values.dropFirst() { result = try combine(result, next, context) }
        if operation == .mean && values.count > 1 {
            let divisor = try Tensor(elementwiseScalar: Double(values.count), as: result.dtype)
            result = try ArithmeticKernel.apply(.divide, result, divisor, context)
        }
        return [ElementwiseInputs.isHalf(dtype) ? try result.converted(to: dtype, context: context) : result]
    }

    /// `x²` and `x³` by multiplication when the exponent is a single 2 or 3 (LayerNorm and
    /// GELU decompositions): `x·x` is exactly what `pow` rounds to, `x·x·x` within one ulp, and
    /// both avoid `pow`'s cost per element. Nil for other exponents and for non-float bases.
    private func squareOrCube(_ x: Tensor, _ exponent: Tensor, _ context: ExecutionContext) throws -> Tensor? {
        guard x.dtype == .float32 || x.dtype == .float64, exponent.count == 1 else { return nil }
        let e = exponent.doubleValue(at: 0)
        guard e == 2 || e == 3 else { return nil }
        let shape = try ElementwiseInputs.plan([x, exponent]).shape
        var result = try ArithmeticKernel.apply(.multiply, x, x, context)
        if e == 3 { result = try ArithmeticKernel.apply(.multiply, result, x, context) }
        return result.reshaped(shape)
    }

    private func combine(_ a: Tensor, _ b: Tensor, _ context: ExecutionContext) throws -> Tensor {
        try ArithmeticKernel.apply(operation == .mean || operation == .sum ? .add : operation, a, b, context)
    }

    /// `operation` of two same-dtype tensors (not half precision) with broadcasting.
    static func apply(_ operation: Operation, _ a: Tensor, _ b: Tensor, _ context: ExecutionContext) throws -> Tensor {
        let divides = operation == .divide || operation == .truncatedModulo || operation == .flooredModulo
        if divides && a.dtype.isInteger && containsZero(b) {
            throw StrataError(.invalidInput, "integer division by zero")
        }
        let plan = try ElementwiseInputs.plan([a, b])
        let out = try Tensor(dtype: a.dtype, shape: plan.shape)
        try Visitor(operation: operation, a: a, b: b, out: out, plan: plan, context: context).dispatch(a.dtype)
        return out
    }

    private static func containsZero(_ t: Tensor) -> Bool {
        (0..<t.count).contains { t.intValue(at: $0) == 0 }
    }

    private struct Visitor: ArithmeticVisitor {
        let operation: Operation
        let a: Tensor, b: Tensor, out: Tensor
        let plan: Broadcast
        let context: ExecutionContext

        func visit<T: ArithmeticElement>(_ type: T.Type) throws {
            switch operation {
            case .add, .sum, .mean: run(AddFunction<T>.self)
            case .subtract: run(SubtractFunction<T>.self)
            case .multiply: run(MultiplyFunction<T>.self)
            case .divide: run(DivideFunction<T>.self)
            case .power: run(PowerFunction<T>.self)
            case .truncatedModulo: run(TruncatedRemainderFunction<T>.self)
            case .flooredModulo: run(FlooredRemainderFunction<T>.self)
            case .minimum: run(MinimumFunction<T>.self)
            case .maximum: run(MaximumFunction<T>.self)
            }
        }

        private func run<F: BinaryFunction>(_ function: F.Type) {
            ElementwiseLoop.binary(F.self, a, b, into: out, plan: plan, context: context)
        }
    }
}

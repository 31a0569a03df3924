import StrataCore

/// The one-input math and activation ops (see `UnaryOperation`). Float and double are computed
/// directly, float16 and bfloat16 in float32; `Abs`, `Neg`, `Sign` and `Relu` also take integers.
struct UnaryKernel: Kernel {
    let operation: UnaryOperation
    let opType: String

    init(_ ctx: KernelBuildContext) throws {
        guard let operation = try UnaryOperation(ctx.node) else {
            throw ctx.node.error("not a unary elementwise op", kind: .unsupported)
        }
        self.operation = operation
        self.opType = ctx.node.opType
        if ctx.node.inputs.count != 1 { throw ctx.node.error("expected 1 input, found \(ctx.node.inputs.count)") }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try ElementwiseInputs.required(inputs, 0)
        switch x.dtype {
        case .float32: return [try apply(operation.vectorLoop ?? operation.floatLoop(Float.self), x, context)]
        case .float64: return [try apply(operation.floatLoop(Double.self), x, context)]
        case .float16, .bfloat16:
            let y = try apply(operation.vectorLoop ?? operation.floatLoop(Float.self), try x.converted(to: .float32, context: context), context)
            return [try y.converted(to: x.dtype, context: context)]
        case .int8: return [try apply(operation.integerLoop(Int8.self), x, context)]
        case .int16: return [try apply(operation.integerLoop(Int16.self), x, context)]
        case .int32: return [try apply(operation.integerLoop(Int32.self), x, context)]
        case .int64: return [try apply(operation.integerLoop(Int64.self), x, context)]
        case .uint8: return [try apply(operation.integerLoop(UInt8.self), x, context)]
        case .uint16: return [try apply(operation.integerLoop(UInt16.self), x, context)]
        case .uint32: return [try apply(operation.integerLoop(UInt32.self), x, context)]
        case .uint64: return [try apply(operation.integerLoop(UInt64.self), x, context)]
        case .bool, .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1, .int4, .uint4, .int2, .uint2: throw ElementwiseInputs.unsupported(x.dtype, opType)
        }
    }

    private func apply<T>(_ loop: UnaryOperation.Loop<T>?, _ x: Tensor, _ context: ExecutionContext) throws -> Tensor {
        guard let loop else { throw ElementwiseInputs.unsupported(x.dtype, opType) }
        return try apply(loop, x, context)
    }

    private func apply<T>(_ loop: @escaping UnaryOperation.Loop<T>, _ x: Tensor, _ context: ExecutionContext) throws -> Tensor {
        let out = try Tensor(dtype: x.dtype, shape: x.shape)
        ElementwiseLoop.unary(x, into: out, context: context, loop)
        return out
    }
}

import StrataCore

/// onnxruntime's `com.microsoft` `QLinearConcat` (inputs Y_scale, Y_zero_point, then X, X_scale,
/// X_zero_point per input; attribute `axis`): each input requantized to Y's scale and zero point
/// (`saturate(round(x_scale·(x - x_zero_point) / y_scale) + y_zero_point)` in float32, copied as
/// it is where its parameters equal Y's), then joined along `axis` as `Concat` does.
struct QLinearConcatKernel: Kernel {
    let node: Node
    let concat: ConcatKernel

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        var joined = node
        joined.opset = OpRegistry.latestOpset
        concat = try ConcatKernel(KernelBuildContext(node: joined, inputTypes: [], constants: []))
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        guard inputs.count >= 5, (inputs.count - 2) % 3 == 0 else {
            throw node.error("expected Y_scale, Y_zero_point and then (X, X_scale, X_zero_point) per input, found \(inputs.count) inputs")
        }
        let first = try args.tensor(2)
        let y = try QuantizedTensor.output(args, scale: 0, zeroPoint: 1, dtype: first.dtype, node: node)
        var parts: [Tensor] = []
        for k in stride(from: 2, to: inputs.count, by: 3) {
            let x = try QuantizedTensor(args, value: k, scale: k + 1, zeroPoint: k + 2, "input \((k - 2) / 3)", node: node)
            guard x.values.dtype == y.values.dtype, x.values.dtype == .uint8 || x.values.dtype == .int8 else {
                throw node.error("input \((k - 2) / 3) is \(x.values.dtype.rawValue); expected \(y.values.dtype.rawValue) (uint8 or int8)",
                                 kind: .invalidInput)
            }
            if x.scale == y.scale, x.zeroPoint == y.zeroPoint {
                parts.append(x.values)
            } else {
                parts.append(try QuantizedTensor.apply(QuantizedTensor.lookupTable(from: x, to: y) { $0 }, to: x.values, dtype: y.values.dtype))
            }
        }
        return try concat.run(parts, context: context)
    }
}

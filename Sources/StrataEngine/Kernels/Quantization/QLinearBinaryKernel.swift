import StrataCore

/// onnxruntime's `com.microsoft` `QLinearAdd` and `QLinearMul` (inputs A, A_scale, A_zero_point,
/// B, B_scale, B_zero_point, C_scale, C_zero_point): A and B dequantized, added or multiplied with
/// numpy broadcasting, and quantized with C's scale and zero point, in float32 as onnxruntime's
/// reference loops compute it: `C = saturate(round((a + b) / C_scale) + C_zero_point)`.
struct QLinearBinaryKernel: Kernel {
    let node: Node
    let multiplies: Bool

    init(_ ctx: KernelBuildContext, multiplies: Bool) throws {
        node = ctx.node
        self.multiplies = multiplies
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let a = try QuantizedTensor(args, value: 0, scale: 1, zeroPoint: 2, "A", node: node)
        let b = try QuantizedTensor(args, value: 3, scale: 4, zeroPoint: 5, "B", node: node)
        guard a.values.dtype == b.values.dtype else {
            throw node.error("A is \(a.values.dtype.rawValue) but B is \(b.values.dtype.rawValue)", kind: .invalidInput)
        }
        let c = try QuantizedTensor.output(args, scale: 6, zeroPoint: 7, dtype: a.values.dtype, node: node)
        let plan: Broadcast
        do {
            plan = try Broadcast([a.values.shape, b.values.shape])
        } catch let error as StrataError {
            throw error.located(node.location)
        }
        var output = [Int](repeating: 0, count: plan.count)
        plan.forEachRun(in: 0..<plan.count) { start, starts, length, steps in
            for j in 0..<length {
                let x = a.real(a.integer(at: starts[0] + j * steps[0]))
                let y = b.real(b.integer(at: starts[1] + j * steps[1]))
                output[start + j] = c.quantize(multiplies ? x * y : x + y)
            }
        }
        return [try QuantizedInteger.make(c.values.dtype, shape: plan.shape) { output[$0] }]
    }
}

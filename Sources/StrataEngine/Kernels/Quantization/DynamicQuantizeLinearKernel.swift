import StrataCore

/// ONNX `DynamicQuantizeLinear`: quantizes float32 x to uint8 with a scale and zero point chosen
/// from x's range widened to include 0: `scale = (max - min) / 255` (1 when the range is empty),
/// `zero_point = round(clamp(-min / scale, 0, 255))`, `y = saturate(round(x / scale) + zero_point)`,
/// rounding half to even, every step in float32 as the spec writes it.
struct DynamicQuantizeLinearKernel: Kernel {
    let node: Node

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try KernelInputs(inputs, node: node).tensor(0)
        guard x.dtype == .float32 else {
            throw node.error("x has dtype \(x.dtype.rawValue); DynamicQuantizeLinear takes float32", kind: .invalidInput)
        }
        let values = x.buffer(as: Float.self)
        var low: Float = 0, high: Float = 0
        for v in values {
            low = Swift.min(low, v)
            high = Swift.max(high, v)
        }
        let scale: Float = (high == low ? 1 : high - low) / 255
        let zero = Swift.max(0, Swift.min(255, 0 - low / scale)).rounded(.toNearestOrEven)
        let zeroPoint = Int(zero)
        let range = 0...255
        let y = try QuantizedInteger.make(.uint8, shape: x.shape) { i in
            QuantizedInteger.saturate(Double((values[i] / scale).rounded(.toNearestOrEven)), zeroPoint: zeroPoint, range: range)
        }
        return [y, Tensor([scale], shape: []), try QuantizedInteger.make(.uint8, shape: []) { _ in zeroPoint }]
    }
}

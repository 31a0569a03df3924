import StrataCore

/// onnxruntime's `com.microsoft` `QLinearGlobalAveragePool` (attribute `channels_last`) and
/// `QLinearAveragePool` (the attributes of `AveragePool`; channels first only), with inputs X,
/// X_scale, X_zero_point, Y_scale, Y_zero_point.
///
/// The global pool sums each plane exactly in integers and requantizes the sum as onnxruntime
/// does: `saturate(round((Σx - N·x_zero_point) · x_scale / (y_scale · N)) + y_zero_point)`. The
/// windowed pool dequantizes, averages in float32 (`AveragePool`'s kernel) and quantizes as
/// onnxruntime does, the zero point added in float32 before rounding.
struct QLinearPoolKernel: Kernel {
    let node: Node
    /// The float pool of `QLinearAveragePool`; nil for the global pool.
    let window: PoolKernel?
    let channelsLast: Bool

    init(_ ctx: KernelBuildContext, global: Bool) throws {
        node = ctx.node
        channelsLast = try node.typed(ChannelsLastAttributes.self).channelsLast
        if global {
            window = nil
        } else {
            if channelsLast {
                throw node.attributeError("channels_last", "only 0 (channels first) is supported", kind: .unsupported)
            }
            window = try PoolKernel(KernelBuildContext(node: node, inputTypes: Array(ctx.inputTypes.prefix(1)), constants: []),
                                    max: false)
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try QuantizedTensor(args, value: 0, scale: 1, zeroPoint: 2, "X", node: node)
        let y = try QuantizedTensor.output(args, scale: 3, zeroPoint: 4, dtype: x.values.dtype, node: node)
        guard x.values.rank >= 3 else {
            throw node.error("X must have rank 3 or more, found \(x.values.shape)", kind: .invalidInput)
        }
        if let window {
            let real = try Tensor(dtype: .float32, shape: x.values.shape)
            let p = real.pointer(as: Float.self)
            for i in 0..<real.count { p[i] = x.real(x.integer(at: i)) }
            let pooled = try window.run([real], context: context)[0]
            let q = pooled.pointer(as: Float.self)
            // onnxruntime adds the zero point in float32 before rounding (`nearbyintf(y / y_scale + y_zero_point)`),
            // which moves a quotient within float32 rounding of a half-way point to the other side.
            let zero = Float(y.zeroPoint)
            return [try QuantizedInteger.make(y.values.dtype, shape: pooled.shape) { i in
                QuantizedInteger.saturate(Double(q[i] / y.scale + zero), zeroPoint: 0, range: y.range)
            }]
        }
        let shape = x.values.shape
        let (batch, channels) = (shape[0], channelsLast ? shape[shape.count - 1] : shape[1])
        let plane = channelsLast ? Array(shape[1..<(shape.count - 1)]).elementCount : Array(shape.dropFirst(2)).elementCount
        guard plane > 0 else { throw node.error("X \(shape) has an empty spatial extent", kind: .invalidInput) }
        let scale = x.scale / (y.scale * Float(plane))
        var sums = [Int](repeating: 0, count: batch * channels)
        for n in 0..<batch {
            for c in 0..<channels {
                var sum = 0
                for s in 0..<plane {
                    sum += x.integer(at: channelsLast ? (n * plane + s) * channels + c : (n * channels + c) * plane + s)
                }
                sums[n * channels + c] = sum - plane * x.zeroPoint
            }
        }
        let ones = [Int](repeating: 1, count: shape.count - 2)
        let outShape = channelsLast ? [batch] + ones + [channels] : [batch, channels] + ones
        return [try QuantizedInteger.make(y.values.dtype, shape: outShape) { i in
            QuantizedInteger.saturate(Double(Float(sums[i]) * scale), zeroPoint: y.zeroPoint, range: y.range)
        }]
    }
}

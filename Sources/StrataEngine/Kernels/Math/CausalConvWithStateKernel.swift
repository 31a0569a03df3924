import Foundation
import StrataCore

/// `CausalConvWithState` (opset 27): a depthwise 1-D convolution of [B, C, L] that sees only the
/// current and earlier positions. `past_state` [B, C, k − 1] (zeros when absent) goes before the
/// input; `present_state` is the last k − 1 positions of that padded sequence, for the next call.
/// The bias is added after each sum, then SiLU (x·sigmoid(x)) when `activation` asks, as the ONNX
/// reference computes it. float16 and bfloat16 are computed in float32 and rounded once.
struct CausalConvWithStateKernel: Kernel {
    let node: Node
    let silu: Bool

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        silu = try node.typed(CausalConvWithStateAttributes.self).silu
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        guard x.dtype.isFloatingPoint else { throw node.error("input has dtype \(x.dtype.rawValue); expected a float type", kind: .invalidInput) }
        if x.dtype != .float32 { return try runWidened(inputs, from: x.dtype, context: context) { try run($0, context: context) } }
        let w = try args.tensor(1)
        let (bias, past) = (args.optional(2), args.optional(3))
        guard x.rank == 3, w.dtype == .float32, w.rank == 3, w.shape[0] == x.shape[1], w.shape[1] == 1, w.shape[2] >= 1 else {
            throw node.error("input \(x.type) must be [B, C, L] and weight \(w.type) [C, 1, k] of its dtype", kind: .invalidInput)
        }
        let (batch, channels, length, k) = (x.shape[0], x.shape[1], x.shape[2], w.shape[2])
        if let bias, bias.dtype != .float32 || bias.shape != [channels] {
            throw node.error("bias \(bias.type) must be [\(channels)] of the input's dtype", kind: .invalidInput)
        }
        if let past, past.dtype != .float32 || past.shape != [batch, channels, k - 1] {
            throw node.error("past_state \(past.type) must be [\(batch), \(channels), \(k - 1)] of the input's dtype", kind: .invalidInput)
        }
        let y = try Tensor(dtype: .float32, shape: x.shape), present = try Tensor(dtype: .float32, shape: [batch, channels, k - 1])
        let (xs, ws, ys, states) = (x.pointer(as: Float.self), w.pointer(as: Float.self), y.pointer(as: Float.self), present.pointer(as: Float.self))
        let biases = bias?.pointer(as: Float.self), pasts = past?.pointer(as: Float.self)
        var padded = [Float](repeating: 0, count: k - 1 + length)
        for row in 0 ..< batch * channels {
            let c = row % channels
            for j in 0 ..< k - 1 { padded[j] = pasts?[row * (k - 1) + j] ?? 0 }
            for t in 0 ..< length { padded[k - 1 + t] = xs[row * length + t] }
            for t in 0 ..< length {
                var sum: Float = 0
                for j in 0 ..< k { sum += ws[c * k + j] * padded[t + j] }
                sum += biases?[c] ?? 0
                ys[row * length + t] = silu ? sum * (1 / (1 + Foundation.exp(-sum))) : sum
            }
            for j in 0 ..< k - 1 { states[row * (k - 1) + j] = padded[length + j] }
        }
        return Array([y, present].prefix(Swift.max(1, node.outputs.count)))
    }
}

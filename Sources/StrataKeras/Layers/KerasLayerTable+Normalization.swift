import Foundation
import StrataCore

extension KerasLayerTable {
    /// BatchNormalization (inference form) and LayerNormalization.
    static let normalization: [String: KerasLayerLowering] = [
        "BatchNormalization": batchNormalization,
        "LayerNormalization": layerNormalization,
    ]

    /// `x · a + b` with `a = γ / √(var + ε)`, `b = β − mean · a` folded at import (in double precision),
    /// broadcast along the layer's axis.
    static func batchNormalization(_ ctx: KerasLayerContext) throws -> [String] {
        let x = try ctx.singleInput()
        let rank = try ctx.rank(x)
        let axes = try ctx.intList("axis") ?? [-1]
        guard axes.count == 1 else { throw ctx.optionError("axis", "normalizing over several axes is not supported") }
        let axis = axes[0] < 0 ? axes[0] + rank : axes[0]
        guard axis >= 0, axis < rank else { throw ctx.optionError("axis", "\(axes[0]) is out of range for rank \(rank)", kind: .invalidModel) }
        let channels = try ctx.knownDim(x, axis)
        let epsilon = Double(try ctx.float("epsilon", default: 1e-3))
        var index = 0
        func next(_ name: String) throws -> [Float] {
            defer { index += 1 }
            return try ctx.weight(index, name, shape: [channels]).floats()
        }
        let gamma = try ctx.bool("scale", default: true) ? try next("gamma") : Array(repeating: 1, count: channels)
        let beta = try ctx.bool("center", default: true) ? try next("beta") : Array(repeating: 0, count: channels)
        let mean = try next("moving_mean")
        let variance = try next("moving_variance")
        var scale = [Float](repeating: 0, count: channels)
        var shift = [Float](repeating: 0, count: channels)
        for c in 0 ..< channels {
            let a = Double(gamma[c]) / (Double(variance[c]) + epsilon).squareRoot()
            scale[c] = Float(a)
            shift[c] = Float(Double(beta[c]) - Double(mean[c]) * a)
        }
        if axis == rank - 1, rank >= 3, let twin = ctx.builder.channelsFirstTwins[x] {
            let z = try foldedConvolution(ctx, twin, scale: scale, shift: shift) ?? {
                let shape = [channels] + Array(repeating: 1, count: rank - 2)
                let y = try ctx.emit("Mul", [twin, ctx.constant(floats: scale, shape: shape, "scale")])
                return try ctx.emit("Add", [y, ctx.constant(floats: shift, shape: shape, "shift")])
            }()
            return [try ctx.toChannelsLast(z, rank: rank)]
        }
        let shape = [channels] + Array(repeating: 1, count: rank - axis - 1)
        let y = try ctx.emit("Mul", [x, ctx.constant(floats: scale, shape: shape, "scale")])
        return [try ctx.emit("Add", [y, ctx.constant(floats: shift, shape: shape, "shift")])]
    }

    /// When `value` is the output of a plain Conv, a copy of that Conv with the normalization folded into
    /// its weights (`W·a`, `B·a + b`); the original stays for capturing the convolution layer itself.
    static func foldedConvolution(_ ctx: KerasLayerContext, _ value: String, scale: [Float], shift: [Float]) throws -> String? {
        guard let index = ctx.builder.convolutionNodes[value] else { return nil }
        let conv = ctx.builder.node(at: index)
        guard conv.inputs.count >= 2, let weight = ctx.builder.initializers[conv.inputs[1]], weight.dtype == .float32,
              weight.shape.first == scale.count else { return nil }
        let bias = conv.inputs.count > 2 ? ctx.builder.initializers[conv.inputs[2]] : nil
        if conv.inputs.count > 2 && bias == nil { return nil }
        let folded = weight.copy()
        let perChannel = weight.count / scale.count
        let w = folded.pointer(as: Float.self)
        for c in 0 ..< scale.count {
            for i in 0 ..< perChannel { w[c * perChannel + i] *= scale[c] }
        }
        let b = bias?.floats() ?? Array(repeating: 0, count: scale.count)
        let foldedBias = (0 ..< scale.count).map { b[$0] * scale[$0] + shift[$0] }
        return try ctx.emit("Conv", [conv.inputs[0], ctx.constant(folded, "folded_kernel"), ctx.constant(floats: foldedBias, "folded_bias")],
                            conv.attributes, step: "FoldedConv")
    }

    /// ONNX LayerNormalization (or RMSNormalization for `rms_scaling`) over trailing axes.
    static func layerNormalization(_ ctx: KerasLayerContext) throws -> [String] {
        let x = try ctx.singleInput()
        let rank = try ctx.rank(x)
        let axes = (try ctx.intList("axis") ?? [-1]).map { $0 < 0 ? $0 + rank : $0 }.sorted()
        guard let first = axes.first, axes == Array(first ..< rank) else {
            throw ctx.optionError("axis", "only trailing axes can be normalized")
        }
        let epsilon = try ctx.float("epsilon", default: 1e-3)
        let normalized = try axes.map { try ctx.knownDim(x, $0) }
        let rms = try ctx.bool("rms_scaling", default: false)
        var index = 0
        let scale: String
        if try ctx.bool("scale", default: true) {
            scale = try ctx.weightValue(index, "gamma", shape: normalized)
            index += 1
        } else {
            scale = ctx.constant(floats: Array(repeating: 1, count: normalized.reduce(1, *)), shape: normalized, "ones")
        }
        let attributes: [String: Attribute] = ["axis": .int(first), "epsilon": .float(epsilon)]
        if rms { return [try ctx.emit("RMSNormalization", [x, scale], attributes)] }
        var inputs = [x, scale]
        if try ctx.bool("center", default: true) {
            inputs.append(try ctx.weightValue(index, "beta", shape: normalized))
        }
        return [try ctx.emit("LayerNormalization", inputs, attributes)]
    }
}

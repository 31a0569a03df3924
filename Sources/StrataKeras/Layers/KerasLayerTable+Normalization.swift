import Foundation
import StrataCore

extension KerasLayerTable {
    /// BatchNormalization (inference form) and LayerNormalization.
    static let normalization: [String: KerasLayerLowering] = [
        "BatchNormalization": batchNormalization,
        "LayerNormalization": layerNormalization,
    ]

    /// `x · a + b` with `a = γ / √(var + ε)`, `b = β − mean · a` folded at import (in double precision),
    /// broadcast along the layer's axis. Keras 2 also normalizes over several axes (`axis=[1, 3]`): its
    /// variables then have the input's rank, with size 1 on every other axis (and one more 1 after the batch
    /// axis with `virtual_batch_size`). Under a 16-bit policy Keras
    /// computes it in float32 and rounds the result once.
    static func batchNormalization(_ ctx: KerasLayerContext) throws -> [String] {
        [try ctx.computingInFloat32(try ctx.singleInput()) { try batchNormalization(ctx, $0) }]
    }

    static func batchNormalization(_ ctx: KerasLayerContext, _ x: String) throws -> String {
        let rank = try ctx.rank(x)
        // Keras 2's ghost batch normalization (`virtual_batch_size`) keeps full-rank variables with a 1
        // inserted after the batch axis, and saves its axes shifted by that extra axis; at inference it
        // is the plain normalization with those variables.
        let virtual = ctx.has("virtual_batch_size")
        let configured = try ctx.intList("axis") ?? [-1]
        let axes = try normalizedAxes(ctx, virtual ? configured.map { $0 > 0 ? $0 - 1 : $0 } : configured, rank: rank)
        var paramShape: [Int]
        let broadcastShape: [Int]
        if axes.count == 1 && !virtual {
            paramShape = [try ctx.knownDim(x, axes[0])]
            broadcastShape = paramShape + Array(repeating: 1, count: rank - axes[0] - 1)
        } else {
            paramShape = try (0 ..< rank).map { axes.contains($0) ? try ctx.knownDim(x, $0) : 1 }
            broadcastShape = paramShape
            if virtual { paramShape.insert(1, at: 1) }
        }
        let channels = paramShape.reduce(1, *)
        let epsilon = Double(try ctx.float("epsilon", default: 1e-3))
        var index = 0
        func next(_ name: String) throws -> [Float] {
            defer { index += 1 }
            return try ctx.weight(index, name, shape: paramShape).floats()
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
        if axes == [rank - 1], rank >= 3, let twin = ctx.builder.channelsFirstTwins[x] {
            // Channels-first, after a convolution, the engine applies this Mul and Add as the convolution
            // stores its output (`ChannelAffine`) while keeping the convolution's own value in the graph,
            // so that it can still be captured and differentiated.
            let shape = [channels] + Array(repeating: 1, count: rank - 2)
            let y = try ctx.emit("Mul", [twin, ctx.constant(floats: scale, shape: shape, "scale")])
            let z = try ctx.emit("Add", [y, ctx.constant(floats: shift, shape: shape, "shift")])
            return try ctx.toChannelsLast(z, rank: rank)
        }
        let y = try ctx.emit("Mul", [x, ctx.constant(floats: scale, shape: broadcastShape, "scale")])
        return try ctx.emit("Add", [y, ctx.constant(floats: shift, shape: broadcastShape, "shift")])
    }

    /// `axes` with negative values counted from the end, checked to be distinct and within `rank`.
    static func normalizedAxes(_ ctx: KerasLayerContext, _ axes: [Int], rank: Int) throws -> [Int] {
        let normalized = axes.map { $0 < 0 ? $0 + rank : $0 }
        guard !normalized.isEmpty, normalized.allSatisfy({ $0 >= 0 && $0 < rank }), Set(normalized).count == normalized.count else {
            throw ctx.optionError("axis", "\(axes) is not a set of distinct axes of a rank-\(rank) input", kind: .invalidModel)
        }
        return normalized
    }

    /// LayerNormalization over any set of axes. Over trailing axes without `rms_scaling` it is ONNX
    /// LayerNormalization; otherwise `(x − mean) / √(variance + ε) · γ + β` with the moments taken over
    /// the axes (Keras 3's `rms_scaling` divides the uncentered `x` by the same `√(variance + ε)` and has
    /// no β). Keras stores γ and β in the order of the configured axes (Keras 3 sorts the raw values, so
    /// `[-1, 1]` stays in that order) and reshapes them, element order unchanged, to the input's rank with
    /// the normalized axes in input order; the same reshape is applied here.
    ///
    /// Under a 16-bit policy Keras computes in float32 and rounds the result once, except Keras 2's fused
    /// form (contiguous trailing axes, ε ≥ 1.001e-5), which rounds the normalized values and then applies
    /// γ and β in the 16-bit dtype.
    static func layerNormalization(_ ctx: KerasLayerContext) throws -> [String] {
        let x = try ctx.singleInput()
        let rank = try ctx.rank(x)
        var configured = try ctx.intList("axis") ?? [-1]
        if ctx.kerasMajor >= 3 { configured.sort() }
        let options = LayerNormalizationOptions(
            axes: try normalizedAxes(ctx, configured, rank: rank), epsilon: try ctx.float("epsilon", default: 1e-3),
            scale: try ctx.bool("scale", default: true), center: try ctx.bool("center", default: true),
            rms: try ctx.bool("rms_scaling", default: false))
        let sorted = options.axes.sorted()
        let trailing = sorted == Array(sorted[0] ..< rank)
        let half = ctx.computeDType == .float16 || ctx.computeDType == .bfloat16
        if half && ctx.kerasMajor == 2 && trailing && options.epsilon >= 1.001e-5 {
            var plain = options
            (plain.scale, plain.center) = (false, false)
            let normalized = try ctx.computingInFloat32(x) { try layerNormalization(ctx, $0, plain) }
            return [try layerNormalization(ctx, normalized, options, affineOnly: true)]
        }
        return [try ctx.computingInFloat32(x) { try layerNormalization(ctx, $0, options) }]
    }

    struct LayerNormalizationOptions {
        var axes: [Int]
        var epsilon: Float
        var scale: Bool
        var center: Bool
        var rms: Bool
    }

    /// The normalization of `x` (or, with `affineOnly`, only the γ and β of a value already normalized).
    static func layerNormalization(_ ctx: KerasLayerContext, _ x: String, _ options: LayerNormalizationOptions,
                                   affineOnly: Bool = false) throws -> String {
        let rank = try ctx.rank(x)
        let axes = options.axes
        let paramShape = try axes.map { try ctx.knownDim(x, $0) }
        let sorted = axes.sorted()
        var index = 0
        func variable(_ name: String, shape: [Int]) throws -> String {
            defer { index += 1 }
            return try ctx.weightValue(index, name, shape: paramShape, transform: .reshape(to: shape))
        }
        let broadcast = try (0 ..< rank).map { axes.contains($0) ? try ctx.knownDim(x, $0) : 1 }
        var y = x
        if !affineOnly {
            if !options.rms, sorted == Array(sorted[0] ..< rank) {
                let normalized = try sorted.map { try ctx.knownDim(x, $0) }
                let scale = options.scale ? try variable("gamma", shape: normalized)
                    : try ctx.constant(floats: Array(repeating: 1, count: try ctx.constantCount(normalized, "ones")), shape: normalized, "ones")
                var inputs = [x, scale]
                if options.center { inputs.append(try variable("beta", shape: normalized)) }
                return try ctx.emit("LayerNormalization", inputs, ["axis": .int(sorted[0]), "epsilon": .float(options.epsilon)])
            }
            let axesValue = try ctx.constant(int64s: sorted.map(Int64.init), "axes")
            let mean = try ctx.emit("ReduceMean", [x, axesValue], ["keepdims": .int(1)], step: "Mean")
            let centered = try ctx.emit("Sub", [x, mean], step: "Center")
            let variance = try ctx.emit("ReduceMean", [try ctx.emit("Mul", [centered, centered], step: "Square"), axesValue],
                                        ["keepdims": .int(1)], step: "Variance")
            let shifted = try ctx.emit("Add", [variance, ctx.constant(floats: [options.epsilon], shape: [], "epsilon")], step: "AddEpsilon")
            let std = try ctx.emit("Sqrt", [shifted], step: "Std")
            y = try ctx.emit("Div", [options.rms ? x : centered, std], step: "Normalize")
        }
        if options.rms || options.scale {
            y = try ctx.emit("Mul", [y, try variable("gamma", shape: broadcast)], step: "Scale")
        }
        if !options.rms && options.center {
            y = try ctx.emit("Add", [y, try variable("beta", shape: broadcast)], step: "Offset")
        }
        return y
    }
}

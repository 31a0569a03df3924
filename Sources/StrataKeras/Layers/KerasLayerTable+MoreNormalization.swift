import StrataCore

extension KerasLayerTable {
    /// GroupNormalization, UnitNormalization and (Keras 3) RMSNormalization.
    static let moreNormalization: [String: KerasLayerLowering] = [
        "GroupNormalization": groupNormalization,
        "RMSNormalization": { ctx in
            [try ctx.computingInFloat32(try ctx.singleInput()) { try rmsNormalization(ctx, $0) }]
        },
        "UnitNormalization": { ctx in
            let x = try ctx.singleInput()
            let rank = try ctx.rank(x)
            let axes = (try ctx.intList("axis") ?? [-1]).map { $0 < 0 ? $0 + rank : $0 }
            guard axes.allSatisfy({ $0 >= 1 && $0 < rank }) else { throw ctx.optionError("axis", "out of range for rank \(rank)", kind: .invalidModel) }
            return [try l2Normalize(ctx, x, axes: axes, step: "Normalize")]
        },
    ]

    /// Keras 3's RMSNormalization: `x / √(mean(x²) + ε) · scale` over its axes (sorted, as Keras sorts
    /// them), ONNX RMSNormalization. Keras multiplies by the scale as stored, broadcast from the right, so
    /// the axes must be the trailing ones.
    static func rmsNormalization(_ ctx: KerasLayerContext, _ x: String) throws -> String {
        let rank = try ctx.rank(x)
        let axes = try normalizedAxes(ctx, (ctx.intList("axis") ?? [-1]).sorted(), rank: rank)
        guard let first = axes.first, axes == Array(first ..< rank) else {
            throw ctx.optionError("axis", "\(axes) are not the trailing axes of a rank-\(rank) input; Keras broadcasts the scale from the right", kind: .invalidModel)
        }
        let scale = try ctx.weightValue(0, "scale", shape: try axes.map { try ctx.knownDim(x, $0) })
        // The axis counted from the end, which means the same here and lets `strata convert` write the
        // op's formula for opsets before 23 (the adapter cannot know a graph value's rank).
        return try ctx.emit("RMSNormalization", [x, scale], ["axis": .int(first - rank), "epsilon": .float(try ctx.float("epsilon", default: 1e-6))])
    }

    /// Splits the channel axis into `groups`, normalizes each group over the channels in it and all
    /// non-batch axes (`(x − mean) / √(variance + ε)`), then applies the per-channel gamma and beta.
    /// Under a 16-bit policy Keras 3 computes it in float32 and rounds once; Keras 2 takes the moments
    /// in float32, rounds them, and normalizes in the 16-bit dtype (`keras2HalfGroupNormalization`).
    static func groupNormalization(_ ctx: KerasLayerContext) throws -> [String] {
        let x = try ctx.singleInput()
        if ctx.kerasMajor == 2 && (ctx.computeDType == .float16 || ctx.computeDType == .bfloat16) {
            return [try groupNormalization(ctx, x, keras2Half: true)]
        }
        return [try ctx.computingInFloat32(x) { try groupNormalization(ctx, $0, keras2Half: false) }]
    }

    static func groupNormalization(_ ctx: KerasLayerContext, _ x: String, keras2Half: Bool) throws -> String {
        let rank = try ctx.rank(x)
        var axis = try ctx.int("axis", default: -1)
        axis = axis < 0 ? axis + rank : axis
        guard axis >= 1, axis < rank else { throw ctx.optionError("axis", "out of range for rank \(rank)", kind: .invalidModel) }
        let channels = try ctx.knownDim(x, axis)
        let groups = try ctx.int("groups", default: 32, atLeast: 1)
        let groupCount = groups == -1 ? channels : groups
        guard groupCount > 0, channels % groupCount == 0 else {
            throw ctx.optionError("groups", "\(groups) groups do not divide \(channels) channels", kind: .invalidModel)
        }
        let epsilon = try ctx.float("epsilon", default: 1e-3)
        let dims = try (0 ..< rank).map { $0 == 0 ? 0 : try ctx.knownDim(x, $0) }
        // [N, …, G, C/G, …] keeping every other axis; statistics over all axes but batch and group.
        var grouped = dims.map(Int64.init)
        grouped.replaceSubrange(axis ... axis, with: [Int64(groupCount), Int64(channels / groupCount)])
        let reshaped = try ctx.emit("Reshape", [x, ctx.constant(int64s: grouped, "group_shape")], step: "Group")
        let reduce = (1 ..< rank + 1).filter { $0 != axis }.map(Int64.init)
        let axesValue = try ctx.constant(int64s: reduce, "moment_axes")
        if keras2Half {
            return try keras2HalfGroupNormalization(ctx, reshaped, axes: axesValue, epsilon: epsilon, dims: dims,
                                                     channels: channels, axis: axis, groups: groupCount)
        }
        let mean = try ctx.emit("ReduceMean", [reshaped, axesValue], ["keepdims": .int(1)], step: "Mean")
        let centered = try ctx.emit("Sub", [reshaped, mean], step: "Center")
        let variance = try ctx.emit("ReduceMean", [try ctx.emit("Mul", [centered, centered], step: "Square"), axesValue], ["keepdims": .int(1)], step: "Variance")
        let std = try ctx.emit("Sqrt", [try ctx.emit("Add", [variance, ctx.constant(floats: [epsilon], shape: [], "epsilon")], step: "AddEpsilon")], step: "Std")
        let normalized = try ctx.emit("Div", [centered, std], step: "Normalize")
        var y = try ctx.emit("Reshape", [normalized, ctx.constant(int64s: dims.map(Int64.init), "input_shape")], step: "Ungroup")
        var paramShape = Array(repeating: 1, count: rank - axis)
        paramShape[0] = channels
        var index = 0
        if try ctx.bool("scale", default: true) {
            let gamma = try ctx.weightValue(index, "gamma", shape: [channels], transform: .reshape(to: paramShape))
            y = try ctx.emit("Mul", [y, gamma], step: "Scale")
            index += 1
        }
        if try ctx.bool("center", default: true) {
            let beta = try ctx.weightValue(index, "beta", shape: [channels], transform: .reshape(to: paramShape))
            y = try ctx.emit("Add", [y, beta], step: "Offset")
        }
        return y
    }

    /// Keras 2 (`tf.nn.weighted_moments` + `tf.nn.batch_normalization`) under a 16-bit policy: mean and
    /// variance taken in float32 and rounded, then `x · inv + (β − mean · inv)` with `inv = γ / √(var + ε)`
    /// in the 16-bit dtype (TensorFlow's 16-bit rsqrt rounds the square root, then its reciprocal).
    static func keras2HalfGroupNormalization(
        _ ctx: KerasLayerContext, _ grouped: String, axes: String, epsilon: Float, dims: [Int], channels: Int,
        axis: Int, groups: Int
    ) throws -> String {
        let half = ctx.computeDType
        let wide = try ctx.cast(grouped, to: .float32, step: "MomentsToFloat32")
        let mean32 = try ctx.emit("ReduceMean", [wide, axes], ["keepdims": .int(1)], step: "Mean")
        let centered32 = try ctx.emit("Sub", [wide, mean32], step: "Center")
        let variance32 = try ctx.emit("ReduceMean", [try ctx.emit("Mul", [centered32, centered32], step: "Square"), axes],
                                      ["keepdims": .int(1)], step: "Variance")
        let mean = try ctx.cast(mean32, to: half, step: "MeanToComputeDType")
        let variance = try ctx.cast(variance32, to: half, step: "VarianceToComputeDType")
        let shifted = try ctx.emit("Add", [variance, ctx.constant(floats: [epsilon], shape: [], "epsilon")], step: "AddEpsilon")
        var inv = try ctx.emit("Reciprocal", [try ctx.emit("Sqrt", [shifted], step: "Std")], step: "InverseStd")
        // γ and β broadcast over the grouped shape [N, …, G, C/G, …] (without N): G and C/G on the split axes.
        var groupedParam = Array(repeating: 1, count: dims.count)
        groupedParam[axis - 1] = groups
        groupedParam[axis] = channels / groups
        var index = 0
        if try ctx.bool("scale", default: true) {
            let gamma = try ctx.weightValue(index, "gamma", shape: [channels], transform: .reshape(to: groupedParam))
            inv = try ctx.emit("Mul", [inv, gamma], step: "Scale")
            index += 1
        }
        let meanTimesInverse = try ctx.emit("Mul", [mean, inv], step: "MeanTimesInverse")
        let offset = try ctx.bool("center", default: true)
            ? try ctx.emit("Sub", [try ctx.weightValue(index, "beta", shape: [channels], transform: .reshape(to: groupedParam)), meanTimesInverse], step: "Shift")
            : try ctx.emit("Neg", [meanTimesInverse], step: "Shift")
        let y = try ctx.emit("Add", [try ctx.emit("Mul", [grouped, inv], step: "Normalize"), offset], step: "Offset")
        return try ctx.emit("Reshape", [y, ctx.constant(int64s: dims.map(Int64.init), "input_shape")], step: "Ungroup")
    }
}

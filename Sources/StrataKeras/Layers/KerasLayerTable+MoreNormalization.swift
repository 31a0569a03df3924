import StrataCore

extension KerasLayerTable {
    /// GroupNormalization and UnitNormalization.
    static let moreNormalization: [String: KerasLayerLowering] = [
        "GroupNormalization": groupNormalization,
        "UnitNormalization": { ctx in
            let x = try ctx.singleInput()
            let rank = try ctx.rank(x)
            let axes = (try ctx.intList("axis") ?? [-1]).map { $0 < 0 ? $0 + rank : $0 }
            guard axes.allSatisfy({ $0 >= 1 && $0 < rank }) else { throw ctx.optionError("axis", "out of range for rank \(rank)", kind: .invalidModel) }
            return [try l2Normalize(ctx, x, axes: axes, step: "Normalize")]
        },
    ]

    /// Splits the channel axis into `groups`, normalizes each group over the channels in it and all
    /// non-batch axes (`(x − mean) / √(variance + ε)`), then applies the per-channel gamma and beta.
    static func groupNormalization(_ ctx: KerasLayerContext) throws -> [String] {
        let x = try ctx.singleInput()
        let rank = try ctx.rank(x)
        var axis = try ctx.int("axis", default: -1)
        axis = axis < 0 ? axis + rank : axis
        guard axis >= 1, axis < rank else { throw ctx.optionError("axis", "out of range for rank \(rank)", kind: .invalidModel) }
        let channels = try ctx.knownDim(x, axis)
        let groups = try ctx.int("groups", default: 32)
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
        let axesValue = ctx.constant(int64s: reduce, "moment_axes")
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
            let gamma = try ctx.weightValue(index, "gamma", shape: [channels]) { $0.reshaped(paramShape) }
            y = try ctx.emit("Mul", [y, gamma], step: "Scale")
            index += 1
        }
        if try ctx.bool("center", default: true) {
            let beta = try ctx.weightValue(index, "beta", shape: [channels]) { $0.reshaped(paramShape) }
            y = try ctx.emit("Add", [y, beta], step: "Offset")
        }
        return [y]
    }
}

import StrataCore

extension KerasLayerTable {
    /// Dot (Keras `batch_dot` over `axes`, optionally L2-normalized first).
    static let moreMerging: [String: KerasLayerLowering] = [
        "Dot": dot,
    ]

    /// `batch_dot(x, y, axes)`: contracts one axis of each input, keeps the batch axis, the other
    /// axes of `x` then those of `y`; a rank-1 result becomes `[N, 1]` as in Keras. `normalize`
    /// L2-normalizes each input along its contracted axis first.
    static func dot(_ ctx: KerasLayerContext) throws -> [String] {
        guard ctx.inputs.count == 2 else { throw ctx.error("expected 2 input tensors, got \(ctx.inputs.count)") }
        var x = ctx.inputs[0]
        var y = ctx.inputs[1]
        let ranks = (try ctx.rank(x), try ctx.rank(y))
        let given = try ctx.intList("axes") ?? []
        guard given.count == 1 || given.count == 2 else { throw ctx.optionError("axes", "expected 1 or 2 integers", kind: .invalidModel) }
        var axes = given.count == 1 ? [given[0], given[0]] : given
        axes[0] = axes[0] < 0 ? axes[0] + ranks.0 : axes[0]
        axes[1] = axes[1] < 0 ? axes[1] + ranks.1 : axes[1]
        guard axes[0] >= 1, axes[0] < ranks.0, axes[1] >= 1, axes[1] < ranks.1 else {
            throw ctx.optionError("axes", "axes \(given) are out of range for inputs of rank \(ranks.0) and \(ranks.1)", kind: .invalidModel)
        }
        if try ctx.bool("normalize", default: false) {
            x = try l2Normalize(ctx, x, axes: [axes[0]], step: "NormalizeX")
            y = try l2Normalize(ctx, y, axes: [axes[1]], step: "NormalizeY")
        }
        let letters = Array("bcdefghijklmnopqrstuvwxyz")
        guard ranks.0 + ranks.1 <= letters.count else { throw ctx.error("inputs of too high rank") }
        var xs = ["a"]
        var ys = ["a"]
        var out = ["a"]
        var next = 0
        for i in 1 ..< ranks.0 {
            let l = i == axes[0] ? "z" : String(letters[next])
            if i != axes[0] { next += 1; out.append(l) }
            xs.append(l)
        }
        for i in 1 ..< ranks.1 {
            let l = i == axes[1] ? "z" : String(letters[next])
            if i != axes[1] { next += 1; out.append(l) }
            ys.append(l)
        }
        let equation = "\(xs.joined()),\(ys.joined())->\(out.joined())"
        let result = try ctx.emit("Einsum", [x, y], ["equation": .string(equation)])
        guard out.count == 1 else { return [result] }
        return [try ctx.emit("Unsqueeze", [result, ctx.constant(int64s: [1], "unsqueeze_axis")], step: "ExpandDims")]
    }

    /// `x / sqrt(max(sum(x², axes), 1e-12))` (TensorFlow's `l2_normalize` epsilon).
    static func l2Normalize(_ ctx: KerasLayerContext, _ x: String, axes: [Int], step: String) throws -> String {
        let sumSquares = try ctx.emit("ReduceSumSquare", [x, ctx.constant(int64s: axes.map(Int64.init), "\(step)_axes")],
                                      ["keepdims": .int(1)], step: "\(step)/SumSquares")
        let clamped = try ctx.emit("Max", [sumSquares, ctx.constant(floats: [1e-12], shape: [], "\(step)_epsilon")], step: "\(step)/Clamp")
        let norm = try ctx.emit("Sqrt", [clamped], step: "\(step)/Norm")
        return try ctx.emit("Div", [x, norm], step: step)
    }
}

import StrataCore

extension KerasLayerTable {
    /// RepeatVector.
    static let moreReshaping: [String: KerasLayerLowering] = [
        "RepeatVector": { ctx in
            let x = try ctx.singleInput()
            guard try ctx.rank(x) == 2 else { throw ctx.error("expected a [batch, features] input") }
            let n = try ctx.int("n", atLeast: 0)
            guard n >= 0 else { throw ctx.optionError("n", "must not be negative", kind: .invalidModel) }
            let expanded = try ctx.emit("Unsqueeze", [x, ctx.constant(int64s: [1], "axis")])
            return [try ctx.emit("Tile", [expanded, ctx.constant(int64s: [1, Int64(n), 1], "repeats")])]
        },
    ]
}

import StrataCore

extension KerasAttentionLowering {
    /// `mask` as bool (Keras casts every mask with `cast(mask, "bool")`: non-zero is kept).
    func boolMask(_ mask: String, step: String) throws -> String {
        if ctx.builder.type(of: mask)?.dtype == .bool { return mask }
        // 9 is ONNX TensorProto.BOOL.
        return try ctx.emit("Cast", [mask], ["to": .int(9)], step: step)
    }

    /// `a AND b` where both may be absent.
    func and(_ a: String?, _ b: String?, step: String) throws -> String? {
        guard let a else { return b }
        guard let b else { return a }
        return try ctx.emit("And", [a, b], step: step)
    }

    /// The `[query, value]` masks of an `Attention` / `AdditiveAttention` call: the `mask` keyword list
    /// `[query_mask, value_mask, key_mask]` (entries may be null), else the masks Keras propagates with
    /// the inputs (`KerasLayerContext.implicitMask`). Neither layer uses the key's mask.
    func listMasks(query: String, value: String) throws -> (query: String?, value: String?) {
        guard let json = ctx.kwargs["mask"], !json.isNull else {
            return (try ctx.implicitMask(of: query), try ctx.implicitMask(of: value))
        }
        // A Keras 2 tensor is itself a list `[layer, node, tensor]`, so a list of masks starts with a non-string.
        guard let entries = json.array, entries.first?.string == nil, entries.count >= 2, entries.count <= 3 else {
            throw ctx.error("the mask argument must be a list [query_mask, value_mask]", kind: .invalidModel)
        }
        // Keyword tensors are listed in order without the null entries.
        var tensors = (ctx.kwargTensors["mask"] ?? [])[...]
        var masks: [String?] = []
        for entry in entries {
            if entry.isNull {
                masks.append(nil)
            } else {
                guard let tensor = tensors.popFirst() else {
                    throw ctx.error("an entry of the mask argument is not a tensor", kind: .invalidModel)
                }
                masks.append(tensor)
            }
        }
        return (masks[0], masks[1])
    }

    /// Lower-triangular keep mask (`key position ≤ query position`), `[tq, tk]` with `leading` ones in front.
    func causalMask(tq: Int, tk: Int, leading: Int) throws -> String {
        try bandConstant(tq: tq, tk: tk, leading: leading, "causal_mask") { i, j in j <= i }
    }

    /// A bool constant `[1…, tq, tk]` that is true where `keep(query position, key position)`.
    func bandConstant(tq: Int, tk: Int, leading: Int, _ name: String, keep: (Int, Int) -> Bool) throws -> String {
        var values = [Bool](repeating: false, count: try ctx.constantCount([tq, tk], bytesPerElement: 1, name))
        for i in 0 ..< tq { for j in 0 ..< tk { values[i * tk + j] = keep(i, j) } }
        return try ctx.constant(Tensor(values, shape: Array(repeating: 1, count: leading) + [tq, tk]), name)
    }
}

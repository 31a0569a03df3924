import StrataCore

extension KerasLayerContext {
    /// Layer classes whose (first) output carries a mask: Masking, Embedding(mask_zero), and the attention
    /// layers (their query's mask; the attention scores carry none).
    static let maskProducers: Set<String> = ["Masking", "Embedding", "MultiHeadAttention", "GroupedQueryAttention",
                                             "GroupQueryAttention", "Attention", "AdditiveAttention"]

    /// Layer classes that pass their input's mask on unchanged (`supports_masking` with Keras' default
    /// `compute_mask`) and do not use it at inference, in both Keras versions.
    static let maskPassThrough: Set<String> = [
        "Dense", "Activation", "ReLU", "ELU", "LeakyReLU", "PReLU", "Dropout", "AlphaDropout", "GaussianDropout",
        "GaussianNoise", "ActivityRegularization", "LayerNormalization", "BatchNormalization", "GroupNormalization",
        "UnitNormalization",
    ]
    /// Recurrent layers: with `return_sequences` (a rank-3 output) their output carries the mask they
    /// were run with (the bool value their call reads), as Keras' `RNN.compute_mask` returns it.
    static let maskSequenceLayers: Set<String> = ["SimpleRNN", "LSTM", "GRU", "Bidirectional"]
    /// The same, only in Keras 2 files / only in Keras 3 files.
    static let maskPassThroughKeras2: Set<String> = ["ThresholdedReLU"]
    static let maskPassThroughKeras3: Set<String> = ["Identity", "Rescaling", "Normalization"]

    /// Merge layers: their output's mask is, in Keras 2, the AND of the inputs' masks (nil when none has
    /// one); in Keras 3 the OR, when every input has one. Keras 3 saves tensor ops under the same class
    /// names (`x + y`); those drop masks, which is followed only when an operand is a constant.
    static let maskMerging: Set<String> = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]
    /// Concatenate along the feature (last) axis: Keras 2 ANDs the masks present; Keras 3 ORs them when
    /// every input has one (an unmasked input makes the mask all true). Along other axes it is not followed.
    static let maskConcatenating: Set<String> = ["Concatenate"]

    /// The `[batch, time]` bool mask that comes with `value`: Keras propagates a mask from the layers of
    /// `maskProducers`, through those of `maskPassThrough`, `maskSequenceLayers` and `maskMerging`, to the
    /// layer reading the value without naming it in the config. Every layer that carries a mask has it as
    /// the step `Mask` of its call: producers emit it when lowered; for the layers it passes through it is
    /// made here, on first need (an `Identity`, or the merge's `And` / `Or`, attributed to that layer), so
    /// each layer reads masks only from the layers Keras connects it to.
    ///
    /// Keras 3's MultiHeadAttention removes the masks of the tensors it reads, so a layer that runs after
    /// it (in lowering order, an order Keras could run the layers in) finds none on them.
    func implicitMask(of value: String) -> String? {
        propagatedMask(of: beforeAutocast(value), readAt: builder.nodes.count, depth: 0)
    }

    /// The mask of `value` as seen by a layer whose first node is at `position`.
    private func propagatedMask(of value: String, readAt position: Int, depth: Int) -> String? {
        guard depth < 256, !maskCleared(value, before: position) else { return nil }
        return mask(ofRowsBefore: builder.layers.count, value: value, readAt: position, depth: depth)
    }

    /// The mask carried by the latest of the first `limit` capture rows that made `value`; a layer that
    /// shares its input's tensor (Dropout, a nested model's output) is followed back to the row before it.
    private func mask(ofRowsBefore limit: Int, value: String, readAt position: Int, depth: Int) -> String? {
        guard let index = builder.layers[..<limit].lastIndex(where: { $0.tensor == value && $0.output == 0 }) else { return nil }
        let row = builder.layers[index]
        let call = row.call ?? 0
        let base = call == 0 ? row.layer : "\(row.layer):call\(call)"
        let carried = "\(base)/Mask"
        if builder.type(of: carried)?.dtype == .bool { return carried }
        if Self.maskProducers.contains(row.op) { return nil }
        if ["Sequential", "Functional", "Model"].contains(row.op) {
            return mask(ofRowsBefore: index, value: value, readAt: position, depth: depth + 1)
        }
        let inputs = externalInputs(ofCall: base)
        let start = firstNode(ofCall: base) ?? position
        let source = SourceInfo(name: row.layer, type: row.op)
        if Self.maskMerging.contains(row.op) {
            guard let merged = mergedMask(of: inputs, readAt: start, depth: depth + 1, base: base, source: source) else { return nil }
            return carry(merged, base: base, source: source)
        }
        if Self.maskConcatenating.contains(row.op) {
            let concat = builder.nodes.first { $0.name.hasPrefix(base + "/") && $0.opType == "Concat" }
            guard let concat, let rank = builder.type(of: value)?.shape?.count, let axis = try? concat.int("axis"),
                  axis == -1 || axis == rank - 1 else { return nil }
            let masks = concat.inputs.map { propagatedMask(of: $0, readAt: start, depth: depth + 1) }
            return mergedMask(of: masks, keras3: kerasMajor >= 3, base: base, source: source).flatMap { carry($0, base: base, source: source) }
        }
        if Self.maskSequenceLayers.contains(row.op) {
            guard builder.type(of: value)?.shape?.count == 3,
                  let used = inputs.first(where: { builder.type(of: $0)?.dtype == .bool }) else { return nil }
            return carry(used, base: base, source: source)
        }
        let passThrough = Self.maskPassThrough.union(kerasMajor >= 3 ? Self.maskPassThroughKeras3 : Self.maskPassThroughKeras2)
        guard passThrough.contains(row.op) else { return nil }
        let inner: String?
        if let input = inputs.first, input != value {
            inner = propagatedMask(of: input, readAt: start, depth: depth + 1)
        } else {
            inner = mask(ofRowsBefore: index, value: value, readAt: position, depth: depth + 1)
        }
        return inner.flatMap { carry($0, base: base, source: source) }
    }

    /// `mask` as the step `Mask` of the layer call `base`.
    private func carry(_ mask: String, base: String, source: SourceInfo) -> String? {
        try? builder.add("Identity", [mask], name: "\(base)/Mask", source: source).first
    }

    private func mergedMask(of inputs: [String], readAt position: Int, depth: Int, base: String, source: SourceInfo) -> String? {
        let masks = inputs.map { propagatedMask(of: $0, readAt: position, depth: depth) }
        // Fewer than two tensors: a Keras 3 op with a constant operand (`x * 2.0`, saved under the same
        // class names), whose output has no mask.
        if kerasMajor >= 3, masks.count < 2 { return nil }
        return mergedMask(of: masks, keras3: kerasMajor >= 3, base: base, source: source)
    }

    /// Keras 3: the OR of `masks` when none is missing; Keras 2: the AND of those present.
    private func mergedMask(of masks: [String?], keras3: Bool, base: String, source: SourceInfo) -> String? {
        if keras3, !masks.allSatisfy({ $0 != nil }) { return nil }
        let kept = masks.compactMap { $0 }
        guard var merged = kept.first else { return nil }
        for mask in kept.dropFirst() {
            guard let next = try? builder.add(keras3 ? "Or" : "And", [merged, mask], name: "\(base)/MergeMasks", source: source).first
            else { return nil }
            merged = next
        }
        return merged
    }

    /// Whether a Keras 3 MultiHeadAttention call lowered before `position` read `value`.
    private func maskCleared(_ value: String, before position: Int) -> Bool {
        guard kerasMajor >= 3 else { return false }
        for row in builder.layers where row.op == "MultiHeadAttention" && row.output == 0 {
            let call = row.call ?? 0
            let base = call == 0 ? row.layer : "\(row.layer):call\(call)"
            if let first = firstNode(ofCall: base), first < position, externalInputs(ofCall: base).contains(value) { return true }
        }
        return false
    }

    private func firstNode(ofCall base: String) -> Int? {
        builder.nodes.firstIndex { $0.name.hasPrefix(base + "/") }
    }

    /// The values a layer call's nodes read that are neither constants nor made by the call, in order of
    /// use (channels-last originals for channels-first twins); empty when the call emitted no node. The
    /// nodes added here to carry a mask through the layer (`Mask`, `MergeMasks`) are not the layer's own.
    private func externalInputs(ofCall base: String) -> [String] {
        let prefix = base + "/"
        let callNodes = builder.nodes.filter {
            $0.name.hasPrefix(prefix) && $0.name != prefix + "Mask" && !$0.name.hasPrefix(prefix + "MergeMasks")
        }
        let made = Set(callNodes.flatMap(\.outputs))
        var found: [String] = []
        for node in callNodes {
            for input in node.inputs where !input.isEmpty && !made.contains(input) && builder.initializers[input] == nil {
                found.append(builder.channelsFirstTwins.first { $0.value == input }?.key ?? input)
            }
        }
        return found
    }

    /// The call's mask: the `mask` keyword tensor, else the mask implied by the first input.
    func sequenceMask() -> String? {
        if let explicit = kwargTensors["mask"]?.first { return explicit }
        return inputs.first.flatMap(implicitMask(of:))
    }
}

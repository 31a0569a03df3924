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
    static let maskSequenceLayers: Set<String> = ["SimpleRNN", "LSTM", "GRU", "Bidirectional", "RNN"]
    /// The same, only in Keras 2 files / only in Keras 3 files.
    static let maskPassThroughKeras2: Set<String> = ["ThresholdedReLU"]
    static let maskPassThroughKeras3: Set<String> = ["Identity", "Rescaling", "Normalization"]

    /// Merge layers: their output's mask is, in Keras 2, the AND of the inputs' masks (nil when none has
    /// one); in Keras 3 the OR, when every input has one. Keras 3 saves tensor ops under the same class
    /// names (`x + y`); those drop masks (`settleMergeMask`).
    static let maskMerging: Set<String> = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]
    /// Concatenate along the feature (last) axis: Keras 2 ANDs the masks present; Keras 3 ORs them when
    /// every input has one (an unmasked input makes the mask all true). Along another axis both versions
    /// concatenate the masks (all true for an unmasked input).
    static let maskConcatenating: Set<String> = ["Concatenate"]

    /// The `[batch, time]` bool mask that comes with `value`: Keras propagates a mask from the layers of
    /// `maskProducers`, through those of `maskPassThrough`, `maskSequenceLayers` and `maskMerging`, to the
    /// layer reading the value without naming it in the config. Every layer that carries a mask has it as
    /// the step `Mask` of its call: producers emit it when lowered; for the layers it passes through it is
    /// made here, on first need (an `Identity`, or the merge's `And` / `Or`, attributed to that layer), so
    /// each layer reads masks only from the layers Keras connects it to.
    ///
    /// Throws (unsupported) when Keras may attach a mask Strata cannot reproduce (see `implicitMaskState`):
    /// reading it as absent would give other numbers than Keras.
    func implicitMask(of value: String) throws -> String? {
        builder.implicitMaskReaders.insert(nodeBase)
        switch implicitMaskState(of: value) {
        case .unmasked: return nil
        case .value(let mask): return mask
        case .unknown(let reason): throw error("the padding mask reaching this layer \(reason)", kind: .unsupported)
        }
    }

    /// The mask of `value` as this layer would read it, unknown where Keras' mask cannot be followed.
    ///
    /// Keras 3's MultiHeadAttention removes the masks of the tensors it reads. A layer that reads such a
    /// tensor after it (it depends on the attention's output) finds none; one whose order relative to the
    /// attention Keras decides by its own scheduling of independent branches gets an unknown mask.
    func implicitMaskState(of value: String) -> KerasImplicitMask {
        let reader = inputs + kwargTensors.values.flatMap { $0 }
        return propagatedMask(of: beforeAutocast(value), reader: reader, named: path, readAt: builder.nodes.count, depth: 0)
    }

    /// The mask of `value` as seen by the layer `name` whose first node is at `position` and that reads `reader`.
    private func propagatedMask(of value: String, reader: [String], named name: String, readAt position: Int, depth: Int) -> KerasImplicitMask {
        guard depth < 256 else { return .unknown("passes through more than 256 layers") }
        if let clearing = maskClearing(value, reader: reader, before: position) {
            if dependsOn(reader, call: clearing.base) { return .unmasked }
            let state = mask(ofRowsBefore: builder.layers.count, value: value, reader: reader, readAt: position, depth: depth)
            guard state != .unmasked else { return .unmasked }
            return .unknown("is removed by \(clearing.layer) (MultiHeadAttention) when it runs, and Keras 3 may run that before or after \(name) reads it (an order Strata cannot know)")
        }
        return mask(ofRowsBefore: builder.layers.count, value: value, reader: reader, readAt: position, depth: depth)
    }

    /// The mask carried by the latest of the first `limit` capture rows that made `value`; a layer that
    /// shares its input's tensor (Dropout, a nested model's output) is followed back to the row before it.
    private func mask(ofRowsBefore limit: Int, value: String, reader: [String], readAt position: Int, depth: Int) -> KerasImplicitMask {
        guard let index = builder.layers[..<limit].lastIndex(where: { $0.tensor == value && $0.output == 0 }) else { return .unmasked }
        let row = builder.layers[index]
        let call = row.call ?? 0
        let base = call == 0 ? row.layer : "\(row.layer):call\(call)"
        let carried = "\(base)/Mask"
        if builder.type(of: carried)?.dtype == .bool { return .value(carried) }
        if let settled = builder.settledMasks[base] { return settled }
        if Self.maskProducers.contains(row.op) { return .unmasked }
        if ["Sequential", "Functional", "Model"].contains(row.op) {
            return mask(ofRowsBefore: index, value: value, reader: reader, readAt: position, depth: depth + 1)
        }
        let inputs = externalInputs(ofCall: base)
        let start = firstNode(ofCall: base) ?? position
        let source = SourceInfo(name: row.layer, type: row.op)
        let through = "passes through \(row.layer) (\(row.op)), which Strata cannot follow"
        func inner(_ input: String) -> KerasImplicitMask {
            propagatedMask(of: input, reader: inputs, named: row.layer, readAt: start, depth: depth + 1)
        }
        if Self.maskMerging.contains(row.op) {
            return mergedMask(of: inputs.map(inner), base: base, source: source, through: through)
        }
        if Self.maskConcatenating.contains(row.op) {
            guard let concat = builder.nodes.first(where: { $0.name.hasPrefix(base + "/") && $0.opType == "Concat" }),
                  let rank = builder.type(of: value)?.shape?.count, let axis = try? concat.int("axis")
            else { return .unknown(through) }
            let masks = concat.inputs.map(inner)
            if axis == rank - 1 || axis == -1 { return mergedMask(of: masks, base: base, source: source, through: through) }
            return concatenatedMask(of: masks, inputs: concat.inputs, axis: axis, rank: rank, base: base, source: source, through: through)
        }
        if Self.maskSequenceLayers.contains(row.op) {
            guard builder.type(of: value)?.shape?.count == 3,
                  let used = inputs.first(where: { builder.type(of: $0)?.dtype == .bool }) else { return .unmasked }
            return carry(used, base: base, source: source).map { .value($0) } ?? .unknown(through)
        }
        if row.op == "Softmax" {
            // Keras passes on the mask Softmax applied: its keyword mask, else its input's (both read by its nodes).
            let shape = builder.type(of: value)?.shape
            guard let used = inputs.first(where: { builder.type(of: $0)?.shape != shape }) else {
                return inputs.first.map(inner) ?? .unmasked
            }
            let flags = builder.type(of: used)?.dtype == .bool ? used
                : try? builder.add("Cast", [used], ["to": .int(9)], name: "\(base)/MaskBool", source: source).first
            return flags.flatMap { carry($0, base: base, source: source) }.map { .value($0) } ?? .unknown(through)
        }
        let passThrough = Self.maskPassThrough.union(kerasMajor >= 3 ? Self.maskPassThroughKeras3 : Self.maskPassThroughKeras2)
        guard passThrough.contains(row.op) else { return .unmasked }
        let state: KerasImplicitMask
        if let input = inputs.first, input != value {
            state = inner(input)
        } else {
            state = mask(ofRowsBefore: index, value: value, reader: reader, readAt: position, depth: depth + 1)
        }
        guard case .value(let mask) = state else { return state }
        return carry(mask, base: base, source: source).map { .value($0) } ?? .unknown(through)
    }

    /// `mask` as the step `Mask` of the layer call `base`.
    private func carry(_ mask: String, base: String, source: SourceInfo) -> String? {
        try? builder.add("Identity", [mask], name: "\(base)/Mask", source: source).first
    }

    /// A merge's output mask: Keras 3 the OR of `masks` when none is missing (else none); Keras 2 the AND
    /// of those present. Unknown when any input's mask is.
    private func mergedMask(of masks: [KerasImplicitMask], base: String, source: SourceInfo, through: String) -> KerasImplicitMask {
        if let unknown = masks.first(where: \.isUnknown) { return unknown }
        let keras3 = kerasMajor >= 3
        if keras3, masks.contains(.unmasked) { return .unmasked }
        let kept = masks.compactMap(\.known)
        guard var merged = kept.first else { return .unmasked }
        for mask in kept.dropFirst() {
            guard let next = try? builder.add(keras3 ? "Or" : "And", [merged, mask], name: "\(base)/MergeMasks", source: source).first
            else { return .unknown(through) }
            merged = next
        }
        return carry(merged, base: base, source: source).map { .value($0) } ?? .unknown(through)
    }

    /// Concatenate along a non-feature `axis`: both Keras versions give each input's mask a trailing axis
    /// (all true for an unmasked input), concatenate along `axis` and reduce the trailing axis, which is
    /// the masks concatenated along `axis`. Masks of another rank than the inputs' minus one are not followed.
    private func concatenatedMask(of masks: [KerasImplicitMask], inputs: [String], axis: Int, rank: Int, base: String,
                                  source: SourceInfo, through: String) -> KerasImplicitMask {
        if let unknown = masks.first(where: \.isUnknown) { return unknown }
        guard masks.contains(where: { $0 != .unmasked }) else { return .unmasked }
        var parts: [String] = []
        for (mask, input) in zip(masks, inputs) {
            if let mask = mask.known {
                guard builder.type(of: mask)?.shape?.count == rank - 1 else { return .unknown(through) }
                parts.append(mask)
            } else {
                // All true, shaped like the input without its last axis (known to the layers after):
                // b OR NOT b over the input's first feature.
                let index = builder.constant(Tensor([Int64(0)], shape: []), name: "\(base)/first_feature")
                guard let first = try? builder.add("Gather", [input, index], ["axis": .int(rank - 1)], name: "\(base)/UnmaskedSteps", source: source).first,
                      let flags = try? builder.add("Cast", [first], ["to": .int(9)], name: "\(base)/UnmaskedFlags", source: source).first,
                      let flipped = try? builder.add("Not", [flags], name: "\(base)/UnmaskedNot", source: source).first,
                      let ones = try? builder.add("Or", [flags, flipped], name: "\(base)/UnmaskedMask", source: source).first
                else { return .unknown(through) }
                parts.append(ones)
            }
        }
        guard let joined = try? builder.add("Concat", parts, ["axis": .int(axis)], name: "\(base)/ConcatMasks", source: source).first
        else { return .unknown(through) }
        return carry(joined, base: base, source: source).map { .value($0) } ?? .unknown(through)
    }

    /// The latest Keras 3 MultiHeadAttention call lowered before `position` that read `value`, other than
    /// the reading layer itself.
    private func maskClearing(_ value: String, reader: [String], before position: Int) -> (base: String, layer: String)? {
        guard kerasMajor >= 3 else { return nil }
        var found: (base: String, layer: String)?
        for row in builder.layers where row.op == "MultiHeadAttention" && row.output == 0 {
            let call = row.call ?? 0
            let base = call == 0 ? row.layer : "\(row.layer):call\(call)"
            if let first = firstNode(ofCall: base), first < position, externalInputs(ofCall: base).contains(value) {
                found = (base, row.layer)
            }
        }
        return found
    }

    /// Layer classes whose call reads the mask of its input (besides carrying it on), in either version.
    static let maskReaders: Set<String> = [
        "SimpleRNN", "LSTM", "GRU", "Bidirectional", "RNN", "MultiHeadAttention", "GroupedQueryAttention",
        "GroupQueryAttention", "Attention", "AdditiveAttention", "Softmax", "TimeDistributed", "GlobalAveragePooling1D",
        "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
    ]
    /// Layer classes that read a mask Strata does not apply (Keras 2 GroupNormalization weights its
    /// moments by it, GlobalAveragePooling1D averages over the unmasked steps).
    static let maskIgnoringReaders: Set<String> = ["GlobalAveragePooling1D"]
    static let maskIgnoringReadersKeras2: Set<String> = ["GroupNormalization"]

    /// Refuses a call of the `maskIgnoringReaders` classes that a padding mask reaches: Keras would apply it.
    func refuseIgnoredMask() throws {
        let ignoring = Self.maskIgnoringReaders.union(kerasMajor >= 3 ? [] : Self.maskIgnoringReadersKeras2)
        guard ignoring.contains(className), let input = inputs.first else { return }
        switch implicitMaskState(of: input) {
        case .unmasked: return
        case .value: throw error("a padding mask reaches this layer and Keras applies it here; Strata does not", kind: .unsupported)
        case .unknown(let reason): throw error("the padding mask reaching this layer \(reason)", kind: .unsupported)
        }
    }

    /// Refuses a Keras 3 MultiHeadAttention call when a layer lowered before it read the mask of one of its
    /// inputs `values` without being needed by it: Keras 3 removes those masks when the attention runs,
    /// and may run that layer after it (so with no mask) where Strata gave it the mask. Readers are the
    /// layers that carry the mask on and those that looked it up (a `mask` keyword saved with the call
    /// is read as saved, whatever the order).
    func refuseUnorderedMaskReaders(of values: [String]) throws {
        let carriers = Self.maskPassThrough.union(Self.maskPassThroughKeras3).union(Self.maskMerging)
            .union(Self.maskConcatenating).union(["TimeDistributed"])
        let reader = inputs + kwargTensors.values.flatMap { $0 }
        // In the inputs' order, not a Set's: looking a mask up may emit its carrying nodes, and the
        // graph's node order must not change from one import to the next.
        var visited: Set<String> = []
        for value in values where visited.insert(value).inserted && implicitMaskState(of: value) != .unmasked {
            for row in builder.layers where row.output == 0 {
                let call = row.call ?? 0
                let base = call == 0 ? row.layer : "\(row.layer):call\(call)"
                guard carriers.contains(row.op) || builder.implicitMaskReaders.contains(base) else { continue }
                guard row.tensor != value, externalInputs(ofCall: base).contains(value), !dependsOn(reader, call: base) else { continue }
                throw error("the padding mask of its input \(value) is also read by \(row.layer) (\(row.op)), and Keras 3 removes it when this layer runs, in an order between the two that Strata cannot know",
                            kind: .unsupported)
            }
        }
    }

    /// Settles the output mask of a Keras 3 call saved under a merge layer's class name: a tensor op
    /// (`x + y`, `ops.concatenate`) drops masks. Its module is `keras.src.ops…`; files without modules
    /// (Keras 3 HDF5) tell it by its config, which has no `trainable` entry (every layer's has).
    func settleMergeMask() {
        guard kerasMajor >= 3 else { return }
        let isOp = spec.module?.string.map { $0.hasPrefix("keras.src.ops") || $0.hasPrefix("keras.ops") } ?? (config["trainable"] == nil)
        if isOp { builder.settledMasks[nodeBase] = .unmasked }
    }

    /// Settles the output mask of a TimeDistributed call on `input` wrapping a layer of class `inner`:
    /// Keras 3 passes the input's mask on unchanged; Keras 2 asks the inner layer, which for the
    /// pass-through classes returns the same mask. Refuses an inner layer that would read the mask.
    func settleTimeDistributedMask(of input: String, inner: String) throws {
        let state = implicitMaskState(of: input)
        guard state != .unmasked else { return }
        let readers = Self.maskReaders.union(Self.maskIgnoringReaders).union(kerasMajor >= 3 ? [] : Self.maskIgnoringReadersKeras2)
        if readers.contains(inner) {
            throw error("a padding mask reaches this layer and Keras passes it to the wrapped \(inner), which Strata does not", kind: .unsupported)
        }
        let through = "passes through \(path) (TimeDistributed around \(inner)), which Strata cannot follow"
        let passThrough = Self.maskPassThrough.union(Self.maskPassThroughKeras2)
        guard case .value(let mask) = state, builder.type(of: mask)?.shape?.count == 2, kerasMajor >= 3 || passThrough.contains(inner),
              carry(mask, base: nodeBase, source: source) != nil
        else {
            builder.settledMasks[nodeBase] = state.isUnknown ? state : .unknown(through)
            return
        }
    }

    /// Whether any of `values` is computed from a node of the layer call `base` (so Keras runs that call first).
    func dependsOn(_ values: [String], call base: String) -> Bool {
        var producers: [String: Int] = [:]
        for (index, node) in builder.nodes.enumerated() { for output in node.outputs { producers[output] = index } }
        var pending = values
        var seen: Set<String> = []
        while let value = pending.popLast() {
            guard seen.insert(value).inserted, let index = producers[value] else { continue }
            let node = builder.nodes[index]
            if node.name.hasPrefix(base + "/") { return true }
            pending += node.inputs.filter { !$0.isEmpty }
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

    /// The call's mask: the `mask` keyword tensor, else the mask implied by the first input (throws when
    /// that mask cannot be followed, see `implicitMask(of:)`).
    func sequenceMask() throws -> String? {
        if let explicit = kwargTensors["mask"]?.first { return explicit }
        return try inputs.first.flatMap(implicitMask(of:))
    }
}

import StrataCore

extension KerasLayerContext {
    /// Layer classes whose (first) output carries a mask: Masking, Embedding(mask_zero), and the attention
    /// layers (their query's mask; the attention scores carry none).
    static let maskProducers: Set<String> = ["Masking", "Embedding", "MultiHeadAttention", "Attention", "AdditiveAttention"]

    /// Layer classes that pass their input's mask on unchanged (`supports_masking` with Keras' default
    /// `compute_mask`) and do not use it at inference, in both Keras versions.
    static let maskPassThrough: Set<String> = [
        "Dense", "Activation", "ReLU", "ELU", "LeakyReLU", "PReLU", "Dropout", "AlphaDropout", "GaussianDropout",
        "GaussianNoise", "ActivityRegularization", "LayerNormalization", "BatchNormalization", "GroupNormalization",
        "UnitNormalization",
    ]
    /// The same, only in Keras 2 files / only in Keras 3 files.
    static let maskPassThroughKeras2: Set<String> = ["ThresholdedReLU"]
    static let maskPassThroughKeras3: Set<String> = ["Identity", "Rescaling", "Normalization"]

    /// The `[batch, time]` bool mask that comes with `value`: Keras propagates a mask from the layers of
    /// `maskProducers`, through the layers of `maskPassThrough`, to the layer reading the value without
    /// naming it in the config. Producers emit the mask as the step `Mask` of their call.
    func implicitMask(of value: String) -> String? {
        propagatedMask(of: value, depth: 0)
    }

    private func propagatedMask(of value: String, depth: Int) -> String? {
        guard depth < 256 else { return nil }
        let passThrough = Self.maskPassThrough.union(kerasMajor >= 3 ? Self.maskPassThroughKeras3 : Self.maskPassThroughKeras2)
        // Latest row first: a layer that shares its input's tensor (Dropout, a nested model's output) is
        // followed back to the row that made the tensor.
        for row in builder.layers.reversed() where row.tensor == value && row.output == 0 {
            let call = row.call ?? 0
            let base = call == 0 ? row.layer : "\(row.layer):call\(call)"
            if Self.maskProducers.contains(row.op) {
                let mask = "\(base)/Mask"
                return builder.type(of: mask)?.dtype == .bool ? mask : nil
            }
            let nestedModel = ["Sequential", "Functional", "Model"].contains(row.op)
            guard passThrough.contains(row.op) || nestedModel else { return nil }
            if !nestedModel, let input = firstInput(ofCall: base), input != value {
                return propagatedMask(of: input, depth: depth + 1)
            }
        }
        return nil
    }

    /// The first value a layer call's nodes read that is neither a constant nor made by the call (its
    /// channels-last original when it is a channels-first twin); nil when the call emitted no node.
    private func firstInput(ofCall base: String) -> String? {
        let prefix = base + "/"
        let callNodes = builder.nodes.filter { $0.name.hasPrefix(prefix) }
        let made = Set(callNodes.flatMap(\.outputs))
        for node in callNodes {
            for input in node.inputs where !input.isEmpty && !made.contains(input) && builder.initializers[input] == nil {
                return builder.channelsFirstTwins.first { $0.value == input }?.key ?? input
            }
        }
        return nil
    }

    /// The call's mask: the `mask` keyword tensor, else the mask implied by the first input.
    func sequenceMask() -> String? {
        if let explicit = kwargTensors["mask"]?.first { return explicit }
        return inputs.first.flatMap(implicitMask(of:))
    }
}

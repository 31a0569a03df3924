import StrataCore

extension KerasLayerContext {
    /// Layer classes whose (first) output carries a mask: Masking, Embedding(mask_zero), and the attention
    /// layers (their query's mask; the attention scores carry none).
    static let maskProducers: Set<String> = ["Masking", "Embedding", "MultiHeadAttention", "Attention", "AdditiveAttention"]

    /// The `[batch, time]` bool mask that comes with `value`: Keras propagates a mask from the layers of
    /// `maskProducers` to the layer reading their output without naming it in the config. Those
    /// lowerings emit the mask as the step `Mask` of their call, so it is found by the producing layer.
    func implicitMask(of value: String) -> String? {
        guard let producer = builder.layers.last(where: { $0.tensor == value && $0.output == 0 && Self.maskProducers.contains($0.op) }) else {
            return nil
        }
        let call = producer.call ?? 0
        let base = call == 0 ? producer.layer : "\(producer.layer):call\(call)"
        let mask = "\(base)/Mask"
        return builder.type(of: mask)?.dtype == .bool ? mask : nil
    }

    /// The call's mask: the `mask` keyword tensor, else the mask implied by the first input.
    func sequenceMask() -> String? {
        if let explicit = kwargTensors["mask"]?.first { return explicit }
        return inputs.first.flatMap(implicitMask(of:))
    }
}

/// The padding mask Keras attaches to a tensor (`_keras_mask`), as far as the importer can follow it.
enum KerasImplicitMask: Equatable {
    /// Keras attaches no mask (not named `none`, which an optional would read as its own `.none`).
    case unmasked
    /// The bool value Keras' mask equals.
    case value(String)
    /// Keras may attach a mask the importer cannot reproduce; `reason` completes the sentence
    /// "the padding mask reaching this layer …" for the layer that would read it.
    case unknown(String)

    /// The mask value, nil when unmasked or unknown.
    var known: String? {
        if case .value(let mask) = self { return mask }
        return nil
    }

    var isUnknown: Bool {
        if case .unknown = self { return true }
        return false
    }
}

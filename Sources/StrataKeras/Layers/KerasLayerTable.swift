/// Lowers one call of one Keras layer to IR nodes; returns the IR values of the call's outputs.
typealias KerasLayerLowering = @Sendable (KerasLayerContext) throws -> [String]

/// The Keras class name → lowering table. Each layer family lives in its own
/// `KerasLayerTable+<Family>.swift` as a static dictionary; adding a layer class is one entry there.
enum KerasLayerTable {
    static let families: [[String: KerasLayerLowering]] = [
        core, convolution, pooling, normalization, activations, reshaping, merging, preprocessing,
        recurrent, wrappers, embedding, attention, ops, moreMerging, moreReshaping, moreCore, moreNormalization,
        applications,
    ]

    /// All families merged; a class registered twice is a programming error (checked by the tests).
    static let lowerings: [String: KerasLayerLowering] = {
        var table: [String: KerasLayerLowering] = [:]
        for family in families { table.merge(family) { first, _ in first } }
        return table
    }()

    /// How many of a class's variables, counted from the end of `layer.weights`, are non-trainable
    /// (moving statistics); used for `model.summary()`-style parameter totals.
    static let nonTrainableVariables: [String: Int] = [
        "BatchNormalization": 2,
        "Normalization": 3,
    ]

    /// Classes refused on purpose because they run code stored in the file.
    static let codeCarrying: Set<String> = ["Lambda"]
}

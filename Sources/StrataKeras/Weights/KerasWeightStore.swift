import StrataCore

/// Where the variables of the layers of one model come from. `path` is the layer's place in the model
/// tree: the names of the enclosing nested models, then the layer's own name.
protocol KerasWeightStore: Sendable {
    /// The layer's variables in Keras' order (`layer.weights`), declared but not read yet; empty when the
    /// file holds none for it.
    func variables(at path: [String]) throws -> [KerasVariable]
}

/// A store for models without stored weights.
struct EmptyWeightStore: KerasWeightStore {
    func variables(at path: [String]) throws -> [KerasVariable] { [] }
}

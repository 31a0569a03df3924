/// A reference to a symbolic Keras tensor: output `tensor` of call `node` of layer `layer`.
public struct KerasTensorRef: Sendable, Hashable {
    public var layer: String
    public var node: Int
    public var tensor: Int
}

/// One call of a layer in a functional graph: the tensors passed positionally (flattened in order) and
/// the keyword arguments, with any tensors among them resolved by keyword.
public struct KerasCall: Sendable {
    public var inputs: [KerasTensorRef]
    public var kwargs: [String: KerasJSON]
    public var kwargTensors: [String: [KerasTensorRef]]
    /// Positional arguments in order, a list passed as the only argument unpacked (merge layers), with
    /// non-tensor values (`keras.ops.multiply(x, 2.0)`) kept as JSON.
    public var arguments: [KerasArgument] = []
}

/// One positional argument of a call: a symbolic tensor or a plain value.
public enum KerasArgument: Sendable {
    case tensor(KerasTensorRef)
    case value(KerasJSON)
}

/// One layer entry of a model config: class, name, its `config` object, its calls and, for a model used
/// as a layer, the nested model.
public struct KerasLayerSpec: Sendable {
    public var className: String
    public var name: String
    public var config: KerasJSON
    public var calls: [KerasCall]
    public var nested: KerasModelSpec?
    /// The entry's `module` and `registered_name` as written (Keras 3 archives and JSON; absent in legacy
    /// `.h5` configs): where its class comes from. Keras writes a null `module` for a class of `__main__`.
    public var module: KerasJSON? = nil
    public var registeredName: String? = nil
}

/// A model config (`model.to_json()` / `model_config`) as a typed tree.
public struct KerasModelSpec: Sendable {
    public enum Kind: Sendable { case sequential, functional }

    public var kind: Kind
    public var className: String
    public var name: String
    /// Layers in config order. Sequential models get synthesized single calls chaining the layers.
    public var layers: [KerasLayerSpec]
    public var inputs: [KerasTensorRef]
    public var outputs: [KerasTensorRef]
}

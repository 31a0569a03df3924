import StrataCore

/// Accumulates IR nodes, initializers and the capture table while a Keras model is lowered, and keeps
/// every value's type (inferred node by node with the op schemas) so lowerings can ask for shapes.
final class GraphBuilder {
    private(set) var nodes: [Node] = []
    private(set) var initializers: [String: Tensor] = [:]
    private(set) var types: [String: ValueType] = [:]
    var inputs: [ValueInfo] = []
    var layers: [LayerOutput] = []
    private var usedNames: Set<String> = []
    let file: String
    /// For a channels-last value, the same data already in channels-first layout. Consumers that work in
    /// channels-first order read the twin instead of transposing again, so a chain of layers pays one
    /// transpose; the channels-last values stay in the graph for capture and are skipped by the engine
    /// when nothing asks for them.
    var channelsFirstTwins: [String: String] = [:]
    /// Output masks of Keras layer calls (by node base name) settled when the call was lowered, where
    /// they cannot be derived from the layer's class alone: none for a Keras 3 tensor op saved under a
    /// merge layer's class name, unknown where Strata cannot follow the mask Keras would attach.
    var settledMasks: [String: KerasImplicitMask] = [:]
    /// Keras layer calls (by node base name) that looked up the implicit mask of an input (rather than
    /// reading a `mask` keyword): Keras 3 gives them whatever mask the tensor holds when they run.
    var implicitMaskReaders: Set<String> = []

    init(file: String) {
        self.file = file
    }

    /// `base`, or `base_1`, `base_2`, … — unique among node, value and initializer names.
    func uniqueName(_ base: String) -> String {
        var name = base.isEmpty ? "value" : base
        var n = 1
        while usedNames.contains(name) {
            name = "\(base)_\(n)"
            n += 1
        }
        usedNames.insert(name)
        return name
    }

    func addInput(_ base: String, type: ValueType) -> String {
        let name = uniqueName(base)
        inputs.append(ValueInfo(name: name, type: type))
        types[name] = type
        return name
    }

    /// A constant tensor as an initializer.
    func constant(_ tensor: Tensor, name base: String) -> String {
        let name = uniqueName(base)
        initializers[name] = tensor
        types[name] = tensor.type
        return name
    }

    func type(of value: String) -> ValueType? { types[value] }

    func node(at index: Int) -> Node { nodes[index] }

    /// Appends a node with `outputCount` outputs named from `name`, and infers their types.
    func add(
        _ opType: String, _ inputs: [String], _ attributes: [String: Attribute] = [:], outputCount: Int = 1,
        name base: String, outputNames: [String]? = nil, source: SourceInfo
    ) throws -> [String] {
        let nodeName = uniqueName(base)
        let outputs = outputNames?.map(uniqueName) ?? (outputCount == 1 ? [nodeName] : (0 ..< outputCount).map { uniqueName("\(nodeName):\($0)") })
        let node = Node(name: nodeName, opType: opType, inputs: inputs, outputs: outputs, attributes: attributes, source: source)
        if let schema = OpRegistry.schema(opType) {
            let context = InferenceContext(
                node: node,
                inputTypes: inputs.map { $0.isEmpty ? nil : types[$0] },
                constants: inputs.map { $0.isEmpty ? nil : initializers[$0] })
            do {
                for (value, type) in zip(outputs, try schema.infer(context)) { types[value] = type }
            } catch is InferenceContext.Unknown {
                // Left unknown; later lowerings that need the shape will say so.
            } catch let error as StrataError {
                throw error.located(ErrorLocation(file: file, node: source.name, opType: source.type))
            }
        }
        nodes.append(node)
        return outputs
    }

    /// Renames `value` to a unique name derived from `base` when a node at or after `firstNode` made it and
    /// nothing reads it yet (a layer's final output gets the layer's name); returns the name in use.
    func nameOutput(_ value: String, _ base: String, firstNode: Int) -> String {
        guard let index = nodes.lastIndex(where: { $0.outputs.contains(value) }), index >= firstNode,
              !nodes.contains(where: { $0.inputs.contains(value) }) else { return value }
        let name = uniqueName(base)
        nodes[index].outputs = nodes[index].outputs.map { $0 == value ? name : $0 }
        types[name] = types.removeValue(forKey: value)
        if let twin = channelsFirstTwins.removeValue(forKey: value) { channelsFirstTwins[name] = twin }
        return name
    }
}

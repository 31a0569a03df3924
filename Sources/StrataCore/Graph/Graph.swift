/// A dataflow graph: nodes in any order, named values between them, constant initializers.
public struct Graph: Sendable {
    public var name: String
    public var nodes: [Node]
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    /// Constant tensors (weights), by value name. A name here that is also a graph input is a
    /// default the user may override.
    public var initializers: [String: Tensor]
    /// Declared types of intermediate values, when the file gives them.
    public var valueTypes: [String: ValueType]
    /// What the user can capture, in display order. Importers fill this in their source's terms
    /// (Keras layers, ONNX nodes); empty means "one entry per node output".
    public var layers: [LayerOutput]

    public init(
        name: String = "", nodes: [Node] = [], inputs: [ValueInfo] = [], outputs: [ValueInfo] = [],
        initializers: [String: Tensor] = [:], valueTypes: [String: ValueType] = [:], layers: [LayerOutput] = []
    ) {
        self.name = name
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.initializers = initializers
        self.valueTypes = valueTypes
        self.layers = layers
    }

    /// Graph inputs the caller must feed (those without an initializer).
    public var runtimeInputs: [ValueInfo] {
        inputs.filter { initializers[$0.name] == nil }
    }

    /// The capture table: `layers` if the importer filled it, otherwise one entry per node output,
    /// each control-flow node followed by the outputs of the nodes in its subgraphs (recursively).
    public var captureTable: [LayerOutput] {
        if !layers.isEmpty { return layers }
        var table: [LayerOutput] = []
        func add(_ nodes: [Node]) {
            for node in nodes {
                for (i, out) in node.outputs.enumerated() where !out.isEmpty {
                    table.append(LayerOutput(layer: node.name, op: node.opType, output: i, tensor: out))
                }
                for (_, body) in node.subgraphs { add(body.graph.nodes) }
            }
        }
        add(nodes)
        return table
    }
}

/// A named, typed value at the graph boundary.
public struct ValueInfo: Sendable, Hashable {
    public var name: String
    public var type: ValueType

    public init(name: String, type: ValueType) {
        self.name = name
        self.type = type
    }
}

/// One capturable activation: the `output`-th output of a layer's `call`-th call, held in `tensor`.
public struct LayerOutput: Sendable, Hashable {
    public var layer: String
    public var op: String
    /// Call index for layers called more than once (Keras); nil where calls do not exist (ONNX).
    public var call: Int?
    public var output: Int
    public var tensor: String
    /// For a tensor inside a `Loop` or `Scan` body: how many times the body computed it in the run
    /// (nil elsewhere). The captured tensor then stacks the iterations along a new first axis, or,
    /// when their shapes differ, each iteration is a row of its own with `iteration` set.
    public var iterations: Int?
    /// The iteration a per-iteration row holds (0-based); nil for every other row.
    public var iteration: Int?

    public init(layer: String, op: String, call: Int? = nil, output: Int, tensor: String,
                iterations: Int? = nil, iteration: Int? = nil) {
        self.layer = layer
        self.op = op
        self.call = call
        self.output = output
        self.tensor = tensor
        self.iterations = iterations
        self.iteration = iteration
    }
}

/// A graph held by a node attribute: an `If` branch, a `Loop` or `Scan` body.
///
/// Its formal inputs and outputs are listed here, each with the type the file declares where it
/// declares one (bodies often leave types to the enclosing node); `graph` holds the nodes,
/// initializers and value types, and its own `inputs` and `outputs` stay empty. A body may read
/// any value visible in an enclosing graph by name (ONNX's lexical scoping): those names are its
/// `outerReferences`, and a name it defines itself shadows the enclosing one.
public struct Subgraph: Sendable {
    public var graph: Graph
    public var inputs: [FormalValue]
    public var outputs: [FormalValue]

    public init(graph: Graph, inputs: [FormalValue], outputs: [FormalValue]) {
        self.graph = graph
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The names the body defines: its formal inputs, initializers and node outputs.
    public var definedNames: Set<String> {
        var names = Set(inputs.map(\.name)).union(graph.initializers.keys)
        for node in graph.nodes {
            for out in node.outputs where !out.isEmpty { names.insert(out) }
        }
        return names
    }

    /// Values the body (or a body nested in it) reads from enclosing graphs, in first-use order.
    public var outerReferences: [String] {
        let defined = definedNames
        var seen = Set<String>()
        var names: [String] = []
        func use(_ name: String) {
            if !name.isEmpty, !defined.contains(name), seen.insert(name).inserted { names.append(name) }
        }
        for node in graph.nodes {
            for name in node.inputs { use(name) }
            for name in node.implicitInputs { use(name) }
        }
        for out in outputs { use(out.name) }
        return names
    }

    /// Node indices of the body in execution order, after the same checks as
    /// `Graph.topologicalOrder` (names, producers, cycles), with formal inputs and outer
    /// references available.
    public func topologicalOrder() throws -> [Int] {
        try graph.topologicalOrder(available: Set(inputs.map(\.name)).union(outerReferences), outputs: outputs.map(\.name))
    }
}

/// A subgraph's formal input or output: a name and, when the file declares it, a type.
public struct FormalValue: Sendable, Hashable {
    public var name: String
    public var type: ValueType?

    public init(name: String, type: ValueType?) {
        self.name = name
        self.type = type
    }
}

import StrataCore

/// Makes the extra nodes and constants of a rewrite, with names that collide with nothing already
/// in the graph. Each new node carries the source of the node it replaces, so it still names the layer.
struct NodeEmitter {
    var initializers: [String: Tensor]
    /// Node and value names in use.
    private var used: Set<String>

    init(initializers: [String: Tensor], names: Set<String>) {
        self.initializers = initializers
        self.used = names.union(initializers.keys)
    }

    /// Reserves `names` (the values of the graph being rewritten) so new names avoid them.
    mutating func reserve<S: Sequence>(_ names: S) where S.Element == String {
        used.formUnion(names)
    }

    mutating func unique(_ base: String) -> String {
        var name = base
        var suffix = 1
        while used.contains(name) {
            name = "\(base)_\(suffix)"
            suffix += 1
        }
        used.insert(name)
        return name
    }

    /// A new constant named after `owner`.
    mutating func constant(_ tensor: Tensor, owner: Node, _ step: String) -> String {
        let name = unique("\(owner.name)/\(step)")
        initializers[name] = tensor
        return name
    }

    /// One new node replacing part of `owner`; `output` gives the result a fixed name (the
    /// replaced node's own output), otherwise a fresh one is made.
    mutating func node(
        _ opType: String, _ inputs: [String], _ attributes: [String: Attribute] = [:], owner: Node, step: String,
        output: String? = nil, into nodes: inout [Node]
    ) -> String {
        let name = unique("\(owner.name)/\(step)")
        let result = output ?? unique("\(name):0")
        nodes.append(Node(name: name, opType: opType, opset: owner.opset, inputs: inputs, outputs: [result],
                          attributes: attributes, source: owner.source))
        return result
    }
}

import StrataCore

/// Rewrites a graph's nodes into the form a target `ai.onnx` opset defines, and refuses nodes the
/// target cannot express.
///
/// Nodes are written by importers against the opset of their source (ONNX) or the newest one
/// (Keras lowering). Where an op moved an attribute to an input between versions (`axes` of the
/// reductions, `Squeeze`, `Unsqueeze`; `split` of `Split`) the adapter moves it to the side the
/// target uses; a constant input becomes an attribute only when its value is an initializer.
/// An op that does not exist yet at the target, or that uses a feature added later, is an error
/// naming the layer, its class and the first opset that would work.
struct OpsetAdapter {
    let target: Int

    /// Reductions whose `axes` became an input at opset 18 (ReduceSum moved at 13).
    static let axesInputSince: [String: Int] = [
        "ReduceSum": 13, "ReduceMean": 18, "ReduceMax": 18, "ReduceMin": 18, "ReduceProd": 18,
        "ReduceL1": 18, "ReduceL2": 18, "ReduceLogSum": 18, "ReduceLogSumExp": 18, "ReduceSumSquare": 18,
        "Squeeze": 13, "Unsqueeze": 13,
    ]

    /// The graph with every node rewritten for `target`; new constant inputs become initializers.
    /// Subgraphs are adapted too, each with names of its own (and the outer values it reads) kept
    /// free for what it adds. `reserving` names values a body sees besides its own.
    func adapt(_ graph: Graph, reserving extra: [String] = []) throws -> Graph {
        var graph = graph
        var nodes: [Node] = []
        nodes.reserveCapacity(graph.nodes.count)
        var emitter = NodeEmitter(initializers: graph.initializers, names: Set(graph.nodes.map(\.name)))
        for node in graph.nodes { emitter.reserve(node.inputs + node.outputs) }
        emitter.reserve(graph.inputs.map(\.name) + extra)
        for node in graph.nodes {
            let adapted = try adaptSubgraphs(of: try adapt(node, initializers: &emitter.initializers))
            if let expanded = try expand(adapted, into: &emitter) {
                nodes += expanded
            } else {
                nodes.append(adapted)
            }
        }
        graph.initializers = emitter.initializers
        graph.nodes = nodes
        return graph
    }

    /// `node` with each subgraph attribute's graphs adapted.
    private func adaptSubgraphs(of node: Node) throws -> Node {
        guard !node.subgraphs.isEmpty else { return node }
        var node = node
        func adapted(_ body: Subgraph) throws -> Subgraph {
            var body = body
            body.graph = try adapt(body.graph, reserving: body.inputs.map(\.name) + body.outerReferences)
            return body
        }
        for name in node.attributes.keys.sorted() {
            switch node.attributes[name]! {
            case .graph(let body): node.attributes[name] = .graph(try adapted(body))
            case .graphs(let bodies): node.attributes[name] = .graphs(try bodies.map(adapted))
            default: continue
            }
        }
        return node
    }

    func adapt(_ original: Node, initializers: inout [String: Tensor]) throws -> Node {
        var node = original
        guard node.domain.isEmpty else {
            throw unsupported(node, "op '\(node.opType)' of domain '\(node.domain)' has no ONNX equivalent")
        }
        guard let introduced = ONNXOpsetTable.introduced(node.opType) else {
            throw unsupported(node, "op '\(node.opType)' is not an ONNX operator")
        }
        if introduced > target, !Self.expandable.contains(node.opType) {
            throw tooNew(node, needs: introduced, what: "op '\(node.opType)'")
        }
        if let removed = Self.removedAt[node.opType], removed <= target {
            throw unsupported(node, "op '\(node.opType)' was removed from ONNX at opset \(removed); convert with --opset \(removed - 1) or lower")
        }

        if let since = Self.axesInputSince[node.opType] {
            try moveList("axes", inputIndex: 1, since: since, node: &node, initializers: &initializers)
        }
        switch node.opType {
        case "Clip":
            // min/max became inputs at 11.
            for (index, name) in [(1, "min"), (2, "max")] {
                guard let value = try node.float(name) else { continue }
                setInput(index, of: &node, to: Tensor.scalar(value), name: name, initializers: &initializers)
            }
        case "Pad":
            // pads and value became inputs at 11; only a float constant value can be carried over.
            if case .ints(let pads)? = node.attributes["pads"] {
                setInput(1, of: &node, to: Tensor(pads.map(Int64.init), shape: [pads.count]), name: "pads", initializers: &initializers)
                if let value = try node.float("value"), value != 0 {
                    setInput(2, of: &node, to: Tensor.scalar(value), name: "value", initializers: &initializers)
                }
                node.attributes["value"] = nil
            }
            if node.input(3) != nil, target < 18 { throw tooNew(node, needs: 18, what: "'Pad' with an 'axes' input") }
            if case .string("wrap")? = node.attributes["mode"], target < 19 {
                throw tooNew(node, needs: 19, what: "'Pad' with mode 'wrap'")
            }
        case "Slice":
            // starts, ends, axes became inputs at 10.
            for (index, name) in [(1, "starts"), (2, "ends"), (3, "axes")] {
                guard case .ints(let values)? = node.attributes[name] else { continue }
                setInput(index, of: &node, to: Tensor(values.map(Int64.init), shape: [values.count]), name: name, initializers: &initializers)
            }
        case "Split":
            try moveList("split", inputIndex: 1, since: 13, node: &node, initializers: &initializers)
            if node.attributes["num_outputs"] != nil {
                if target < 18 {
                    throw tooNew(node, needs: 18, what: "'Split' with attribute 'num_outputs'")
                }
            }
        case "Resize":
            for attribute in ["antialias", "axes", "keep_aspect_ratio_policy"] where node.attributes[attribute] != nil {
                if target < 18 { throw tooNew(node, needs: 18, what: "'Resize' with attribute '\(attribute)'") }
            }
        default:
            break
        }
        node.opset = target
        return node
    }

    /// Ops that ONNX dropped: no opset at or after the key's value defines them.
    static let removedAt: [String: Int] = ["Upsample": 10, "Scatter": 11]

    /// Replaces attribute `name` by a constant input at `index` (absent inputs before it stay "").
    private func setInput(_ index: Int, of node: inout Node, to value: Tensor, name: String, initializers: inout [String: Tensor]) {
        let constant = uniqueName("\(node.name)/\(name)", in: initializers)
        initializers[constant] = value
        while node.inputs.count <= index { node.inputs.append("") }
        node.inputs[index] = constant
        node.attributes[name] = nil
    }

    /// Moves the list `name` between attribute form (before `since`) and input form (from `since` on).
    private func moveList(_ name: String, inputIndex: Int, since: Int, node: inout Node, initializers: inout [String: Tensor]) throws {
        if target >= since {
            guard case .ints(let values)? = node.attributes[name] else { return }
            let constant = uniqueName("\(node.name)/\(name)", in: initializers)
            initializers[constant] = Tensor(values.map(Int64.init), shape: [values.count])
            while node.inputs.count < inputIndex { node.inputs.append("") }
            if node.inputs.count == inputIndex {
                node.inputs.append(constant)
            } else {
                node.inputs[inputIndex] = constant
            }
            node.attributes[name] = nil
        } else {
            guard let input = node.input(inputIndex) else { return }
            guard let value = initializers[input], value.dtype.isInteger, value.rank <= 1 else {
                throw tooNew(node, needs: since, what: "'\(node.opType)' with a computed '\(name)' input")
            }
            node.attributes[name] = .ints(value.ints())
            node.inputs.removeSubrange(inputIndex...)
            while let last = node.inputs.last, last.isEmpty { node.inputs.removeLast() }
        }
    }

    private func uniqueName(_ base: String, in initializers: [String: Tensor]) -> String {
        var name = base
        var suffix = 1
        while initializers[name] != nil {
            name = "\(base)_\(suffix)"
            suffix += 1
        }
        return name
    }

    /// "op 'Gelu' needs opset 20 or newer (target opset 17); convert with --opset 20".
    func tooNew(_ node: Node, needs opset: Int, what: String) -> StrataError {
        if opset > OpsetAdapter.newest {
            return unsupported(node, "\(what) needs opset \(opset), newer than the newest Strata writes (\(OpsetAdapter.newest))")
        }
        return unsupported(node, "\(what) needs opset \(opset) or newer (target opset \(target)); convert with --opset \(opset)")
    }

    /// Located at the node, plus its source layer and class when it came from another format.
    private func unsupported(_ node: Node, _ message: String) -> StrataError {
        var detail: String?
        if let source = node.source, source.type != node.opType { detail = "layer '\(source.name)' (\(source.type))" }
        return StrataError(.unsupported, message, at: ErrorLocation(node: node.name, opType: node.opType, detail: detail))
    }

    /// The opsets `strata convert` writes.
    static let oldest = 13
    static let newest = 21
    static let defaultOpset = 17
}

import StrataCore

extension Diagram {
    /// Elementwise ops drawn as merges when two or more of their inputs are activations.
    static let mergingOps: Set<String> = ["Add", "Sub", "Mul", "Div", "Max", "Min", "Mean", "Sum"]

    /// The diagram of `model` as `options` ask: boxes in data-flow order (inputs, then layers in
    /// topological order, then outputs), types from `Graph.inferTypes()`.
    ///
    /// Keras models (`model.format` other than ONNX) get one box per layer: nodes sharing
    /// `source.name` are one box, so a layer called twice is drawn once; nesting comes from the
    /// paths of `model.sourceLayers`, never from a `/` in a name. ONNX models get one box per node.
    /// Throws `.invalidInput` when `options.from`/`options.to` name no box or select nothing.
    public init(model: Model, options: DiagramOptions = DiagramOptions()) throws {
        let graph = model.graph
        let types = graph.inferTypes().types
        let order = (try? graph.topologicalOrder()) ?? Array(graph.nodes.indices)
        let folding = DiagramFolding(graph: graph, order: order, types: types)
        let hidden = options.allNodes ? [] : folding.hidden
        let grouped = model.format != .onnx

        var boxes: [Box] = []
        var members: [[Int]] = []
        var boxOfValue: [String: Int] = [:]

        for (k, input) in graph.runtimeInputs.enumerated() {
            boxOfValue[input.name] = boxes.count
            boxes.append(Box(
                id: "in\(k)", role: .input, name: input.name, type: "Input", category: .input, cluster: [],
                outputs: [types[input.name] ?? input.type], parameters: 0, attributes: []))
            members.append([])
        }
        if options.allNodes {
            var weightCount = 0
            for index in order {
                for value in graph.nodes[index].inputs where boxOfValue[value] == nil {
                    guard let tensor = graph.initializers[value] else { continue }
                    boxOfValue[value] = boxes.count
                    boxes.append(Box(
                        id: "w\(weightCount)", role: .weight, name: value, type: "Initializer", category: .weight,
                        cluster: [], outputs: [tensor.type], parameters: tensor.count, attributes: []))
                    members.append([])
                    weightCount += 1
                }
            }
        }

        let kerasRows = grouped && !model.sourceLayers.isEmpty ? model.sourceLayers : nil
        var layers: [String: SourceLayer] = [:]
        for row in kerasRows ?? [] where layers[row.name] == nil { layers[row.name] = row }
        let models = Set((kerasRows ?? []).filter(\.isModel).map(\.name))
        var boxOfKey: [String: Int] = [:]
        var boxOfNode: [Int: Int] = [:]
        var layerCount = 0
        for index in order where !hidden.contains(index) {
            let node = graph.nodes[index]
            let key: String
            var cluster: [String] = []
            var type = node.domain.isEmpty || node.domain == "ai.onnx" ? node.opType : node.domain + "::" + node.opType
            if grouped {
                let (kept, truncated) = Self.layerPath(node.source?.name ?? node.name, options: options, layers: layers)
                key = kept.joined(separator: "/")
                cluster = Array(kept.dropLast())
                type = truncated ? "Model" : layers[key]?.className ?? node.source?.type ?? type
            } else {
                key = node.name
            }
            let box: Int
            if let existing = boxOfKey[key] {
                box = existing
                members[box].append(index)
            } else {
                box = boxes.count
                boxOfKey[key] = box
                boxes.append(Box(
                    id: "n\(layerCount)", role: .layer, name: key, type: type, category: .other, cluster: cluster,
                    outputs: [], parameters: 0, attributes: []))
                members.append([index])
                layerCount += 1
            }
            boxOfNode[index] = box
            for output in node.outputs where !output.isEmpty { boxOfValue[output] = box }
        }

        // ONNX subgraphs (If branches, Loop and Scan bodies) as clusters after the node holding them.
        var subgraphEdges: [(from: Int, to: Int, value: String)] = []
        if !grouped {
            for index in order where !hidden.contains(index) && !graph.nodes[index].subgraphs.isEmpty {
                guard let owner = boxOfNode[index] else { continue }
                Self.subgraphBoxes(of: graph.nodes[index], owner: owner, cluster: [], outer: boxOfValue,
                                   boxes: &boxes, layerCount: &layerCount, edges: &subgraphEdges)
            }
            while members.count < boxes.count { members.append([]) }
        }

        var passThroughs: [(box: Int, row: SourceLayer)] = []
        if let kerasRows {
            // Layers that lower to no op (Dropout, GaussianNoise at inference) still get their box.
            for row in kerasRows where row.className != "InputLayer" && !row.isModel {
                let (kept, truncated) = Self.layerPath(row.name, options: options, layers: layers)
                let key = kept.joined(separator: "/")
                guard !truncated, boxOfKey[key] == nil,
                      let tensor = graph.captureTable.first(where: { $0.layer == row.name })?.tensor else { continue }
                boxOfKey[key] = boxes.count
                passThroughs.append((boxes.count, row))
                boxes.append(Box(
                    id: "n\(layerCount)", role: .layer, name: key, type: row.className,
                    category: row.category.map(DiagramCategory.init) ?? .other, cluster: Array(kept.dropLast()),
                    outputs: [types[tensor]], parameters: row.parameters, attributes: []))
                members.append([])
                layerCount += 1
            }
        }

        var captured: [String: [String]] = [:]
        if grouped {
            for row in graph.captureTable where !(captured[row.layer]?.contains(row.tensor) ?? false) {
                captured[row.layer, default: []].append(row.tensor)
            }
        }

        // Consumers of each value, to tell which of a box's values leave it.
        var consumers: [String: [Int]] = [:]
        for index in order where !hidden.contains(index) {
            for value in graph.nodes[index].inputs where !value.isEmpty { consumers[value, default: []].append(index) }
        }
        let graphOutputs = Set(graph.outputs.map(\.name))
        for box in boxes.indices where boxes[box].role == .layer && !members[box].isEmpty {
            let nodes = members[box].map { graph.nodes[$0] }
            let memberSet = Set(members[box])
            let categories = members[box].map { Self.category(of: graph.nodes[$0], constants: folding.constantValues) }
            let mainOffset = categories.indices.min { categories[$0].precedence < categories[$1].precedence } ?? 0
            var category = categories[mainOffset]
            if grouped, let byClass = layers[boxes[box].name]?.category { category = DiagramCategory(byClass) }
            boxes[box].category = category

            var outputs: [String] = []
            var seen: Set<String> = []
            for node in nodes {
                for output in node.outputs where !output.isEmpty {
                    let leaves = graphOutputs.contains(output)
                        || (consumers[output] ?? []).contains { !memberSet.contains($0) }
                    if leaves, seen.insert(output).inserted { outputs.append(output) }
                }
            }
            if outputs.isEmpty, let last = nodes.last?.outputs.first(where: { !$0.isEmpty }) { outputs = [last] }
            // A Keras layer's activations as Keras reports them (a pooling layer lowered as
            // Transpose → MaxPool → Transpose hands on a channels-first tensor inside).
            if let tensors = captured[boxes[box].name], !tensors.isEmpty { outputs = tensors }
            boxes[box].outputs = outputs.map { types[$0] }

            var weights: Set<String> = []
            var parameters = 0
            for node in nodes {
                for value in node.inputs where !value.isEmpty && weights.insert(value).inserted {
                    parameters += graph.initializers[value]?.count ?? 0
                }
            }
            // Keras's own count where known: it includes weights the lowering folds away
            // (a BatchNormalization's four vectors become a scale and a shift).
            boxes[box].parameters = layers[boxes[box].name]?.parameters ?? parameters
            if options.showAttrs {
                boxes[box].attributes = DiagramAttributes.summary(main: nodes[mainOffset], members: nodes, types: types)
            }
        }

        var edges: [Edge] = []
        var connected: Set<Int> = []
        func connect(_ from: Int, _ to: Int, _ value: String) {
            guard from != to, connected.insert(from << 32 | to).inserted else { return }
            edges.append(Edge(from: from, to: to, value: value, type: types[value]))
        }
        for index in order where !hidden.contains(index) {
            let node = graph.nodes[index]
            guard let target = boxOfNode[index] else { continue }
            for value in node.inputs where !value.isEmpty {
                if let source = boxOfValue[value] { connect(source, target, value) }
            }
        }
        for edge in subgraphEdges { connect(edge.from, edge.to, edge.value) }
        if let kerasRows {
            // Keras says which layer feeds which: route edges through pass-through layers and
            // across nested model boundaries.
            func box(named name: String, besides layer: String) -> Int? {
                let parent = layers[layer]?.path.dropLast().joined(separator: "/") ?? ""
                for candidate in [parent.isEmpty ? name : parent + "/" + name, name] {
                    let key = Self.layerPath(candidate, options: options, layers: layers).kept.joined(separator: "/")
                    if let b = boxOfKey[key] { return b }
                }
                return boxes.firstIndex { $0.role == .input && $0.name == name }
            }
            let connections = KerasConnections(
                rows: kerasRows, models: models, captureTable: graph.captureTable,
                kerasMajor: model.producerVersion.flatMap { Int($0.prefix { $0.isNumber }) } ?? 2,
                box: { path in boxOfKey[Self.layerPath(path, options: options, layers: layers).kept.joined(separator: "/")] },
                inputBox: { name in boxes.firstIndex { $0.role == .input && $0.name == name } })
            let sharedLayers = Set(graph.captureTable.filter { ($0.call ?? 0) > 0 }.map(\.layer))
            let passing = Set(passThroughs.map(\.box))
            for row in kerasRows {
                let (kept, truncated) = Self.layerPath(row.name, options: options, layers: layers)
                guard !truncated, let target = boxOfKey[kept.joined(separator: "/")] else { continue }
                let resolved = row.connectedTo.map { entry in
                    connections.sources(of: entry, reading: row.name)
                        ?? box(named: String(entry.prefix { $0 != "[" }), besides: row.name).map { [$0] }
                }
                let sources = resolved.compactMap { $0 }.flatMap { $0 }
                // Only the first call's inputs are listed: a layer called more than once, or one
                // whose inputs are not all boxes, keeps the edges of the lowered graph and gains
                // those through pass-through layers.
                guard !resolved.contains(where: { $0 == nil }), !sharedLayers.contains(row.name) else {
                    for source in sources where passing.contains(source) || passing.contains(target) {
                        connect(source, target, "")
                    }
                    continue
                }
                // Otherwise Keras's connections win over a lowered edge that carries a tensor the
                // list names (drawn from the layer that hands it on: the last of a chain of
                // pass-through layers, a layer inside a nested model) or that skips one of them (a
                // BatchNormalization folded into the convolution before it reads that
                // convolution's input). Other lowered edges stay: the list leaves out inputs
                // passed by keyword, such as an LSTM's initial state.
                let read = Set(row.connectedTo.compactMap { connections.tensor(of: $0, reading: row.name) })
                let replaced = edges.filter { edge in
                    edge.to == target && !sources.contains(edge.from)
                        && (read.contains(edge.value) || sources.contains { connected.contains(edge.from << 32 | $0) })
                }
                for edge in replaced {
                    edges.removeAll { $0.from == edge.from && $0.to == edge.to }
                    connected.remove(edge.from << 32 | edge.to)
                }
                for source in sources { connect(source, target, "") }
            }
        }
        for (k, output) in graph.outputs.enumerated() {
            let box = boxes.count
            boxes.append(Box(
                id: "out\(k)", role: .output, name: output.name, type: "Output", category: .output, cluster: [],
                outputs: [types[output.name] ?? output.type], parameters: 0, attributes: []))
            members.append([])
            if let source = boxOfValue[output.name] { connect(source, box, output.name) }
        }

        if grouped {
            // Label Keras edges with the layer's activation as Keras reports it, not the
            // channels-first tensor the lowering may pass between layers.
            for i in edges.indices where !(captured[boxes[edges[i].from].name]?.contains(edges[i].value) ?? false) {
                let outputs = boxes[edges[i].from].outputs
                if outputs.count == 1 { edges[i].type = outputs[0] }
            }
        }
        // Data-flow order: by the box an edge enters, then in the order the edges were found.
        let ordered = edges.enumerated().sorted { ($0.element.to, $0.offset) < ($1.element.to, $1.offset) }.map(\.element)
        self.init(boxes: boxes, edges: ordered)
        if options.from != nil || options.to != nil {
            self = try restricted(from: options.from, to: options.to)
        }
    }

    /// A Keras layer's path (the models enclosing it, then its name) cut to the nesting depth the
    /// options draw, and whether it was cut. The path is the source table's (`layers`, by joined name);
    /// a name the table lacks lies below the longest table name it starts with: inside a nested
    /// model, that model's path and the rest of the name; below a layer that is not a model (the LSTM
    /// inside a `Bidirectional`, the Dense inside a `TimeDistributed`), that layer, as Keras draws it.
    static func layerPath(_ name: String, options: DiagramOptions, layers: [String: SourceLayer] = [:]) -> (kept: [String], truncated: Bool) {
        var path = [name]
        if let row = layers[name] {
            path = row.path
        } else {
            var end = name.endIndex
            while let slash = name[..<end].lastIndex(of: "/") {
                if let row = layers[String(name[..<slash])] {
                    path = row.isModel ? row.path + [String(name[name.index(after: slash)...])] : row.path
                    break
                }
                end = slash
            }
        }
        let kept = Array(path.prefix(max(1, options.effectiveDepth ?? path.count)))
        return (kept, kept.count < path.count)
    }

    /// The colour family of one node: its registry category, with binary arithmetic on two
    /// activations (a residual `Add`, a gating `Mul`) counted as a merge.
    static func category(of node: Node, constants: Set<String>) -> DiagramCategory {
        guard let schema = OpRegistry.schema(node.opType, domain: node.domain) else { return .other }
        if schema.category == .elementwise, mergingOps.contains(node.opType) {
            let activations = node.inputs.filter { !$0.isEmpty && !constants.contains($0) }
            if activations.count >= 2 { return .merge }
        }
        return DiagramCategory(schema.category)
    }
}

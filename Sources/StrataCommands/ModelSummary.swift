import StrataCore
import StrataExport

/// What `strata inspect` reports about a model: header facts, boundary values and one row per node
/// with inferred output types and parameter counts.
struct ModelSummary {
    struct NodeRow {
        var name: String
        var op: String
        var outputs: [(name: String, type: ValueType?)]
        /// Elements in the node's initializer inputs.
        var parameters: Int
        /// The subgraph holding the node (`<node>.<attribute>`, innermost), nil at the top level.
        var subgraph: String?
        /// 0 at the top level, 1 inside a subgraph, …
        var depth: Int
    }

    let model: Model
    let nodes: [NodeRow]
    /// Elements of all initializers, each counted once.
    let totalParameters: Int
    let problems: [StrataError]
    /// `model.summary()` rows, for models imported from Keras files.
    let kerasLayers: [SourceLayer]?
    /// Output types of each Keras layer's first call, by layer path.
    let kerasOutputs: [String: [ValueType?]]

    init(_ model: Model) {
        self.model = model
        let graph = model.graph
        let inference = graph.inferTypes()
        kerasLayers = model.format == .onnx || model.sourceLayers.isEmpty ? nil : model.sourceLayers
        var outputs: [String: [ValueType?]] = [:]
        for row in graph.captureTable where (row.call ?? 0) == 0 {
            outputs[row.layer, default: []].append(inference.types[row.tensor])
        }
        kerasOutputs = outputs
        nodes = Self.rows(graph.nodes, initializers: graph.initializers, types: inference.types, subgraph: nil, depth: 0)
        totalParameters = graph.initializers.values.reduce(0) { $0 + $1.count }
        problems = inference.problems
    }

    /// One row per node, each control-flow node followed by the rows of its subgraphs' nodes.
    private static func rows(_ nodes: [Node], initializers: [String: Tensor], types: [String: ValueType],
                             subgraph: String?, depth: Int) -> [NodeRow] {
        var rows: [NodeRow] = []
        for node in nodes {
            let parameters = node.inputs.reduce(0) { $0 + (initializers[$1]?.count ?? 0) }
            rows.append(NodeRow(
                name: node.name, op: node.opType,
                outputs: node.outputs.filter { !$0.isEmpty }.map { ($0, types[$0]) },
                parameters: parameters, subgraph: subgraph, depth: depth))
            for (attribute, body) in node.subgraphs {
                var scope = body.graph
                scope.inputs = body.inputs.compactMap { v in v.type.map { ValueInfo(name: v.name, type: $0) } }
                scope.inputs += body.outerReferences.compactMap { name in types[name].map { ValueInfo(name: name, type: $0) } }
                let inner = scope.inferTypes().types.merging(types) { own, _ in own }
                rows += Self.rows(body.graph.nodes, initializers: body.graph.initializers, types: inner,
                                  subgraph: node.name + "." + attribute, depth: depth + 1)
            }
        }
        return rows
    }

    /// `float32[N, 3, 224, 224]`; `?` for an unknown shape or dimension; `seq(float32[?, 3])` and
    /// `optional(float32[2])` for sequences and optionals.
    static func describe(_ type: ValueType?) -> String {
        guard let type else { return "?" }
        var text = type.dtype.rawValue + (type.shape.map(shapeText) ?? "[?]")
        for container in type.containers.reversed() {
            text = "\(container == .sequence ? "seq" : "optional")(\(text))"
        }
        return text
    }

    static func shapeText(_ shape: [Dim]) -> String {
        "[" + shape.map { d in d.value.map(String.init) ?? symbolText(d) }.joined(separator: ", ") + "]"
    }

    private static func symbolText(_ d: Dim) -> String {
        if case .symbol(let name) = d, !name.isEmpty { return name }
        return "?"
    }

    var opsetText: String {
        model.opsetImports.sorted { $0.key < $1.key }
            .map { ($0.key.isEmpty ? "ai.onnx" : $0.key) + " \($0.value)" }.joined(separator: ", ")
    }

    var textLines: [String] {
        var lines: [String] = []
        let graph = model.graph
        lines.append("model:     \(model.path)")
        lines.append("format:    \(model.format.rawValue)")
        var producer = model.producer ?? "unknown"
        if let version = model.producerVersion, !version.isEmpty { producer += " \(version)" }
        lines.append("producer:  \(producer)")
        if let ir = model.irVersion { lines.append("ir:        \(ir)") }
        if !model.opsetImports.isEmpty { lines.append("opsets:    \(opsetText)") }
        lines.append("")
        var boundary = TextTable(["", "name", "type"])
        for input in graph.runtimeInputs { boundary.add(["input", input.name, Self.describe(input.type)]) }
        for output in graph.outputs { boundary.add(["output", output.name, Self.describe(output.type)]) }
        lines += boundary.lines
        lines.append("")
        if let kerasLayers {
            lines += kerasLines(kerasLayers)
            for problem in problems { lines.append("note: \(problem.description)") }
            return lines
        }
        var table = TextTable(["node", "op", "output shape", "params"], rightAligned: [3])
        for node in nodes {
            let shapes = node.outputs.map { Self.describe($0.type) }.joined(separator: "; ")
            let name = node.subgraph.map { String(repeating: "  ", count: node.depth) + $0 + ": " } ?? ""
            table.add([name + node.name, node.op, shapes.isEmpty ? "-" : shapes, String(node.parameters)])
        }
        lines += table.lines
        lines.append("")
        lines.append("\(nodes.count) nodes, \(totalParameters) parameters in \(graph.initializers.count) initializers")
        for problem in problems { lines.append("note: \(problem.description)") }
        return lines
    }

    /// Keras' shape notation: `(None, 12, 12, 4)`.
    static func kerasShape(_ type: ValueType?) -> String {
        guard let shape = type?.shape else { return "?" }
        let parts = shape.map { $0.value.map(String.init) ?? "None" }
        return "(" + parts.joined(separator: ", ") + (parts.count == 1 ? ",)" : ")")
    }

    /// The `model.summary()`-like table and its totals.
    func kerasLines(_ rows: [SourceLayer]) -> [String] {
        var table = TextTable(["Layer (type)", "Output Shape", "Param #", "Connected to"], rightAligned: [2])
        for row in rows {
            let indent = String(repeating: "  ", count: row.depth)
            let shapes = (kerasOutputs[row.name] ?? []).map(Self.kerasShape).joined(separator: ", ")
            table.add([indent + "\(row.name) (\(row.className))", shapes.isEmpty ? "-" : shapes, String(row.parameters),
                       row.connectedTo.joined(separator: ", ")])
        }
        let totals = SourceLayer.totals(rows)
        return table.lines + [
            "",
            "Total params: \(totals.trainable + totals.nonTrainable)",
            "Trainable params: \(totals.trainable)",
            "Non-trainable params: \(totals.nonTrainable)",
        ]
    }

    static func typeJSON(_ type: ValueType?) -> [(String, JSONValue)] {
        let shape: JSONValue = type?.shape.map { dims in
            .array(dims.map { d in d.value.map(JSONValue.int) ?? .string(symbolText(d)) })
        } ?? .null
        return [("shape", shape), ("dtype", type.map { .string($0.dtype.rawValue) } ?? .null)]
    }

    var json: JSONValue {
        let graph = model.graph
        func values(_ list: [ValueInfo]) -> JSONValue {
            .array(list.map { .object([("name", .string($0.name))] + Self.typeJSON($0.type)) })
        }
        return .object([
            ("model", .string(model.path)),
            ("format", .string(model.format.rawValue)),
            ("producer", model.producer.map(JSONValue.string) ?? .null),
            ("producer_version", model.producerVersion.map(JSONValue.string) ?? .null),
            ("ir_version", model.irVersion.map(JSONValue.int) ?? .null),
            ("opsets", .object(model.opsetImports.sorted { $0.key < $1.key }.map { ($0.key.isEmpty ? "ai.onnx" : $0.key, .int($0.value)) })),
            ("inputs", values(graph.runtimeInputs)),
            ("outputs", values(graph.outputs)),
            ("nodes", .array(nodes.map { node in
                .object([
                    ("name", .string(node.name)), ("op", .string(node.op)),
                    ("outputs", .array(node.outputs.map { .object([("name", .string($0.name))] + Self.typeJSON($0.type)) })),
                    ("parameters", .int(node.parameters)),
                ] + (node.subgraph.map { [("subgraph", JSONValue.string($0))] } ?? []))
            })),
            ("totals", .object([
                ("nodes", .int(nodes.count)), ("parameters", .int(totalParameters)),
                ("initializers", .int(graph.initializers.count)),
            ])),
            ("problems", .array(problems.map { .string($0.description) })),
        ] + kerasJSON)
    }

    /// `keras_layers` and `keras_totals` for Keras models; nothing otherwise.
    private var kerasJSON: [(String, JSONValue)] {
        guard let rows = kerasLayers else { return [] }
        let totals = SourceLayer.totals(rows)
        return [
            ("keras_layers", .array(rows.map { row in
                .object([
                    ("layer", .string(row.name)), ("class", .string(row.className)), ("depth", .int(row.depth)),
                    ("output_shapes", .array((kerasOutputs[row.name] ?? []).map { .string(Self.kerasShape($0)) })),
                    ("params", .int(row.parameters)), ("trainable", .int(row.trainableParameters)),
                    ("non_trainable", .int(row.nonTrainableParameters)),
                    ("connected_to", .array(row.connectedTo.map(JSONValue.string))),
                ])
            })),
            ("keras_totals", .object([
                ("trainable", .int(totals.trainable)), ("non_trainable", .int(totals.nonTrainable)),
                ("total", .int(totals.trainable + totals.nonTrainable)),
            ])),
        ]
    }
}

import CONNXProto
import CProtobufC
import StrataCore

/// Converts the main `GraphProto` of a parsed model into a Strata `Graph`: value types,
/// initializers, and nodes checked against Strata's op registry.
///
/// Errors carry the node or value they concern; the importer adds the file.
struct GraphImporter {
    let decoder: TensorDecoder
    /// The model's `ai.onnx` opset, nil when it imports none.
    let opset: Int?
    /// The versions the model imports of other domains, by domain.
    var domainOpsets: [String: Int] = [:]

    /// Subgraphs nested deeper than this are refused (real models nest a handful of levels).
    static let maximumSubgraphDepth = 16
    /// Sequence and optional layers around a tensor type; ONNX needs two (`optional(sequence(tensor))`).
    static let maximumTypeNesting = 2

    /// The main graph: its inputs and outputs must be typed tensors.
    func graph(_ proto: Onnx__GraphProto) throws -> Graph {
        var usedNames = Set<String>()
        var graph = try contents(proto, depth: 0, usedNames: &usedNames)
        graph.inputs = try valueInfos(proto.input, count: proto.n_input, role: "graph input")
        graph.outputs = try valueInfos(proto.output, count: proto.n_output, role: "graph output")
        return graph
    }

    /// A subgraph attribute's graph, `depth` levels below the main graph. Node names stay unique
    /// across the whole model (`usedNames`), so that a body's tensors can be captured by name.
    func subgraph(_ proto: Onnx__GraphProto, depth: Int, usedNames: inout Set<String>) throws -> Subgraph {
        guard depth <= Self.maximumSubgraphDepth else {
            throw StrataError(.invalidModel, "subgraphs nest more than \(Self.maximumSubgraphDepth) levels deep")
        }
        let graph = try contents(proto, depth: depth, usedNames: &usedNames)
        let inputs = try formalValues(proto.input, count: proto.n_input, role: "subgraph input")
        let outputs = try formalValues(proto.output, count: proto.n_output, role: "subgraph output")
        if Set(inputs.map(\.name)).count != inputs.count {
            throw StrataError(.invalidModel, "a subgraph input name is used twice", at: ErrorLocation(detail: "graph '\(graph.name)'"))
        }
        return Subgraph(graph: graph, inputs: inputs, outputs: outputs)
    }

    /// Name, initializers, value types and nodes of a graph.
    private func contents(_ proto: Onnx__GraphProto, depth: Int, usedNames: inout Set<String>) throws -> Graph {
        var graph = Graph(name: try ProtoText.string(proto.name, what: "the graph name"))

        for i in 0..<proto.n_initializer {
            guard let tensor = proto.initializer[i] else { continue }
            let name = try ProtoText.string(tensor.pointee.name, what: "an initializer name")
            let place = ErrorLocation(detail: "initializer '\(name)'")
            if name.isEmpty { throw StrataError(.invalidModel, "an initializer has an empty name") }
            if graph.initializers[name] != nil { throw StrataError(.invalidModel, "the name is used twice", at: place) }
            do {
                graph.initializers[name] = try decoder.decode(tensor.pointee)
            } catch let error as StrataError {
                throw error.located(place)
            }
        }
        if proto.n_sparse_initializer > 0 {
            throw StrataError(.unsupported, "sparse initializers are not supported")
        }

        for i in 0..<proto.n_value_info {
            guard let info = proto.value_info[i]?.pointee else { continue }
            let name = try ProtoText.string(info.name, what: "a value name")
            // value_info is a hint; an entry Strata cannot represent is left out rather than refused.
            if !name.isEmpty, let type = info.type, let valueType = try? valueType(type.pointee) {
                graph.valueTypes[name] = valueType
            }
        }

        graph.nodes.reserveCapacity(proto.n_node)
        for i in 0..<proto.n_node {
            guard let node = proto.node[i] else { continue }
            graph.nodes.append(try self.node(node.pointee, index: i, depth: depth, usedNames: &usedNames))
        }
        return graph
    }

    /// A subgraph's inputs or outputs: named, typed where the file gives a tensor type Strata
    /// represents (bodies often leave types to the enclosing node).
    private func formalValues(
        _ list: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__ValueInfoProto>?>?, count: Int, role: String
    ) throws -> [FormalValue] {
        var out: [FormalValue] = []
        for i in 0..<count {
            guard let info = list?[i]?.pointee else { continue }
            let name = try ProtoText.string(info.name, what: "a \(role) name")
            if name.isEmpty { throw StrataError(.invalidModel, "a \(role) has an empty name") }
            var type: ValueType?
            if let proto = info.type?.pointee {
                if proto.value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE && proto.value_case != ONNX__TYPE_PROTO__VALUE__NOT_SET {
                    do {
                        _ = try valueType(proto)
                    } catch let error as StrataError {
                        throw error.located(ErrorLocation(detail: "\(role) '\(name)'"))
                    }
                }
                type = try? valueType(proto)
            }
            out.append(FormalValue(name: name, type: type))
        }
        return out
    }

    /// Graph inputs or outputs, each of which must be a tensor with a supported element type.
    private func valueInfos(
        _ list: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__ValueInfoProto>?>?, count: Int, role: String
    ) throws -> [ValueInfo] {
        var out: [ValueInfo] = []
        for i in 0..<count {
            guard let info = list?[i]?.pointee else { continue }
            let name = try ProtoText.string(info.name, what: "a \(role) name")
            if name.isEmpty { throw StrataError(.invalidModel, "a \(role) has an empty name") }
            let place = ErrorLocation(detail: "\(role) '\(name)'")
            guard let type = info.type else { throw StrataError(.invalidModel, "the type is missing", at: place) }
            do {
                out.append(ValueInfo(name: name, type: try valueType(type.pointee)))
            } catch let error as StrataError {
                throw error.located(place)
            }
        }
        return out
    }

    /// A tensor type: dtype plus shape, whose dimensions are sizes, named symbols, or `?`.
    /// A negative or missing size and an empty, `?` or `-1` name become `Dim.anonymous`, each an
    /// unknown of its own (exporters such as paddle2onnx write them for sizes that differ).
    ///
    /// A sequence of tensors, an optional tensor and an optional sequence of tensors are the other
    /// types Strata represents (ONNX's optional holds a tensor or a sequence); a sequence of
    /// sequences or optionals, maps and sparse tensors are refused as unsupported. `depth` counts the
    /// layers already unwrapped, so that a hostile file's nesting stays bounded.
    func valueType(_ type: Onnx__TypeProto, depth: Int = 0) throws -> ValueType {
        switch type.value_case {
        case ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE:
            guard let tensor = type.tensor_type?.pointee else { break }
            let dtype = try ONNXDataType.require(tensor.has_elem_type != 0 ? tensor.elem_type : 0)
            guard let shape = tensor.shape?.pointee else { return ValueType(dtype, nil) }
            var dims: [Dim] = []
            for i in 0..<shape.n_dim {
                guard let dim = shape.dim[i]?.pointee else { continue }
                switch dim.value_case {
                case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE where dim.dim_value >= 0:
                    dims.append(.known(Int(dim.dim_value)))
                case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM:
                    let name = try ProtoText.string(dim.dim_param, what: "a dimension name")
                    dims.append(name.isEmpty || name == "-1" ? .anonymous : .symbol(name))
                default:
                    dims.append(.anonymous)
                }
            }
            return ValueType(dtype, dims)
        case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE, ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE:
            let isSequence = type.value_case == ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE
            let what = isSequence ? "sequence" : "optional"
            guard depth < GraphImporter.maximumTypeNesting else {
                throw StrataError(.unsupported, "the type nests sequences and optionals more than \(GraphImporter.maximumTypeNesting) deep")
            }
            let inner = isSequence ? type.sequence_type?.pointee.elem_type : type.optional_type?.pointee.elem_type
            guard let inner else { throw StrataError(.invalidModel, "the \(what) type has no element type") }
            let element = try valueType(inner.pointee, depth: depth + 1)
            if isSequence {
                guard element.isTensor else {
                    throw StrataError(.unsupported, "a sequence of \(element) is not supported (sequences of tensors are)")
                }
                return .sequence(of: element)
            }
            guard element.isTensor || (element.isSequence && element.containers.count == 1) else {
                throw StrataError(.unsupported, "an optional of \(element) is not supported (optional tensors and sequences are)")
            }
            return .optional(of: element)
        case ONNX__TYPE_PROTO__VALUE_MAP_TYPE:
            throw StrataError(.unsupported, "map values are not supported")
        case ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE:
            throw StrataError(.unsupported, "sparse tensor values are not supported")
        default:
            break
        }
        throw StrataError(.invalidModel, "the type is not a tensor type")
    }

    /// One node, named uniquely and checked against the op registry.
    private func node(_ proto: Onnx__NodeProto, index: Int, depth: Int, usedNames: inout Set<String>) throws -> Node {
        let opType = try ProtoText.string(proto.op_type, what: "an op type")
        let original = try ProtoText.string(proto.name, what: "a node name")
        let inputs = try (0..<proto.n_input).map { try ProtoText.string(proto.input[$0], what: "a value name") }
        let outputs = try (0..<proto.n_output).map { try ProtoText.string(proto.output[$0], what: "a value name") }

        var name = original
        if name.isEmpty { name = outputs.first ?? "" }
        if name.isEmpty { name = "\(index)-\(opType)" }
        if usedNames.contains(name) {
            var suffix = 1
            while usedNames.contains("\(name)_\(suffix)") { suffix += 1 }
            name = "\(name)_\(suffix)"
        }
        usedNames.insert(name)

        let place = ErrorLocation(node: name, opType: opType.isEmpty ? nil : opType)
        if opType.isEmpty { throw StrataError(.invalidModel, "the op type is missing", at: place) }
        var domain = try ProtoText.string(proto.domain, what: "a domain")
        if domain == "ai.onnx" { domain = "" }
        // Other domains only for the ops Strata defines in them (onnxruntime's quantized contrib ops).
        guard domain.isEmpty || OpRegistry.schema(opType, domain: domain) != nil else {
            throw StrataError(.unsupported, "op '\(opType)' of domain '\(domain)' is not supported", at: place)
        }
        guard let schema = OpRegistry.schema(opType, domain: domain) else {
            throw StrataError(.unsupported, "unsupported op '\(opType)'", at: place)
        }
        guard let opset = domain.isEmpty ? opset : domainOpsets[domain] else {
            throw StrataError(.invalidModel, "the model does not import the \(domain.isEmpty ? "ai.onnx" : domain) opset", at: place)
        }
        guard schema.opsets.contains(opset) else {
            throw StrataError(.unsupported,
                              "op '\(opType)' is not supported at opset \(opset) (supported: \(schema.opsets.lowerBound)...\(schema.opsets.upperBound))",
                              at: place)
        }
        guard schema.inputs.contains(inputs.count) else {
            throw StrataError(.invalidModel, "expected \(GraphImporter.count(schema.inputs, "input")), found \(inputs.count)", at: place)
        }
        guard schema.outputs.contains(outputs.count) else {
            throw StrataError(.invalidModel, "expected \(GraphImporter.count(schema.outputs, "output")), found \(outputs.count)", at: place)
        }

        var node = Node(name: name, opType: opType, domain: domain, opset: opset, inputs: inputs, outputs: outputs,
                        source: SourceInfo(name: original, type: opType))
        node.attributes = try attributes(proto, of: node, depth: depth, usedNames: &usedNames)
        return node
    }

    /// `1 input`, `2 inputs`, `1 to 3 inputs`.
    private static func count(_ range: ClosedRange<Int>, _ noun: String) -> String {
        if range.lowerBound == range.upperBound { return "\(range.lowerBound) \(noun)" + (range.lowerBound == 1 ? "" : "s") }
        return "\(range.lowerBound) to \(range.upperBound) \(noun)s"
    }
}

import CONNXProto
import CProtobufC
import StrataCore

/// Node attributes. Strata keeps the value kinds its ops use (numbers, strings, tensors, lists
/// of numbers or strings, and subgraphs, imported recursively with the same checks); sparse
/// tensors, type protos and references to function attributes are refused with `.unsupported`.
extension GraphImporter {
    func attributes(_ proto: Onnx__NodeProto, of node: Node, depth: Int, usedNames: inout Set<String>) throws -> [String: Attribute] {
        var attributes: [String: Attribute] = [:]
        for i in 0..<proto.n_attribute {
            guard let attribute = proto.attribute[i]?.pointee else { continue }
            let name = try ProtoText.string(attribute.name, what: "an attribute name")
            if name.isEmpty { throw node.error("an attribute has an empty name") }
            if attributes[name] != nil { throw node.attributeError(name, "the attribute is given twice") }
            do {
                attributes[name] = try value(attribute, depth: depth, usedNames: &usedNames)
            } catch let error as StrataError {
                throw error.located(ErrorLocation(node: node.name, opType: node.opType, detail: "attribute '\(name)'"))
            }
        }
        if node.opType == "Constant" { try normaliseConstant(&attributes, of: node) }
        return attributes
    }

    private func value(_ attribute: Onnx__AttributeProto, depth: Int, usedNames: inout Set<String>) throws -> Attribute {
        if let reference = try ProtoText.optional(attribute.ref_attr_name, what: "an attribute reference"), !reference.isEmpty {
            throw StrataError(.unsupported, "references to function attributes ('\(reference)') are not supported")
        }
        switch try GraphImporter.kind(of: attribute) {
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
            return .float(attribute.f)
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
            return .int(Int(attribute.i))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
            return .string(try ProtoText.bytes(attribute.s, what: "the string"))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
            guard let tensor = attribute.t else { throw StrataError(.invalidModel, "the tensor value is missing") }
            return .tensor(try decoder.decode(tensor.pointee))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
            return .floats(Array(UnsafeBufferPointer(start: attribute.floats, count: attribute.n_floats)))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
            return .ints(UnsafeBufferPointer(start: attribute.ints, count: attribute.n_ints).map { Int($0) })
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
            return .strings(try (0..<attribute.n_strings).map { try ProtoText.bytes(attribute.strings[$0], what: "a string") })
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH:
            guard let graph = attribute.g else { throw StrataError(.invalidModel, "the graph value is missing") }
            return .graph(try subgraph(graph.pointee, depth: depth + 1, usedNames: &usedNames))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS:
            var graphs: [Subgraph] = []
            for i in 0..<attribute.n_graphs {
                guard let graph = attribute.graphs[i] else { continue }
                graphs.append(try subgraph(graph.pointee, depth: depth + 1, usedNames: &usedNames))
            }
            return .graphs(graphs)
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS:
            throw StrataError(.unsupported, "tensor list attributes are not supported")
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS:
            throw StrataError(.unsupported, "sparse tensor attributes are not supported")
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO:
            guard let type = attribute.tp else { throw StrataError(.invalidModel, "the type value is missing") }
            return .type(try valueType(type.pointee))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS:
            throw StrataError(.unsupported, "type list attributes are not supported")
        default:
            throw StrataError(.corruptFile, "unknown attribute type \(attribute.type.rawValue)")
        }
    }

    /// The attribute's declared type, or for files that leave `type` unset, the kind of the one
    /// value field that is filled.
    private static func kind(of a: Onnx__AttributeProto) throws -> Onnx__AttributeProto__AttributeType {
        if a.has_type != 0 && a.type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED { return a.type }
        if a.has_f != 0 { return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT }
        if a.has_i != 0 { return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT }
        if a.has_s != 0 { return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING }
        if a.t != nil { return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR }
        if a.g != nil { return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH }
        if a.sparse_tensor != nil { return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR }
        if a.tp != nil { return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO }
        if a.n_floats > 0 { return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS }
        if a.n_ints > 0 { return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS }
        if a.n_strings > 0 { return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS }
        if a.n_tensors > 0 { return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS }
        if a.n_graphs > 0 { return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS }
        if a.n_sparse_tensors > 0 { return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS }
        if a.n_type_protos > 0 { return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS }
        throw StrataError(.invalidModel, "the attribute has no type and no value")
    }

    /// Rewrites `Constant`'s numeric shorthands (`value_float`, `value_floats`, `value_int`,
    /// `value_ints`) into the one `value` tensor attribute its kernel reads.
    private func normaliseConstant(_ attributes: inout [String: Attribute], of node: Node) throws {
        for name in ["value_string", "value_strings", "sparse_value"] where attributes[name] != nil {
            throw node.attributeError(name, "string and sparse constants are not supported", kind: .unsupported)
        }
        let shorthands = ["value_float", "value_floats", "value_int", "value_ints"]
        guard let name = shorthands.first(where: { attributes[$0] != nil }), let given = attributes[name] else { return }
        if attributes["value"] != nil || shorthands.filter({ attributes[$0] != nil }).count > 1 {
            throw node.error("a Constant must have exactly one value attribute")
        }
        let tensor: Tensor
        switch (name, given) {
        case ("value_float", .float(let v)): tensor = Tensor([v], shape: [])
        case ("value_floats", .floats(let v)): tensor = Tensor(v, shape: [v.count])
        case ("value_int", .int(let v)): tensor = Tensor([Int64(v)], shape: [])
        case ("value_ints", .ints(let v)): tensor = Tensor(v.map { Int64($0) }, shape: [v.count])
        default:
            throw node.attributeError(name, "expected \(name.hasSuffix("s") ? "a list" : "a number"), found \(given.typeName)")
        }
        attributes[name] = nil
        attributes["value"] = .tensor(tensor)
    }
}

import CONNXProto
import CProtobufC
import Foundation
import StrataCore

/// Builds protobuf-c messages for a graph in an arena. With `externalDataName` set, tensors of
/// 1 KiB or more are appended to `externalData` and referenced by offset instead of embedded.
struct ProtoWriter {
    let arena: ProtoArena
    var externalDataName: String?
    private(set) var externalData = Data()

    init(arena: ProtoArena) {
        self.arena = arena
    }

    mutating func graph(_ graph: Graph) throws -> UnsafeMutablePointer<Onnx__GraphProto> {
        let proto = arena.message(Onnx__GraphProto.self) { onnx__graph_proto__init($0) }
        proto.pointee.name = arena.string(graph.name.isEmpty ? "main" : graph.name)

        let nodes = try graph.nodes.map { Optional(try node($0)) }
        proto.pointee.n_node = nodes.count
        proto.pointee.node = arena.array(nodes)

        var tensors: [UnsafeMutablePointer<Onnx__TensorProto>?] = []
        for name in graph.initializers.keys.sorted() {
            tensors.append(try tensor(graph.initializers[name]!, name: name))
        }
        proto.pointee.n_initializer = tensors.count
        proto.pointee.initializer = arena.array(tensors)

        let inputs = graph.inputs.map { Optional(valueInfo($0)) }
        proto.pointee.n_input = inputs.count
        proto.pointee.input = arena.array(inputs)
        let outputs = graph.outputs.map { Optional(valueInfo($0)) }
        proto.pointee.n_output = outputs.count
        proto.pointee.output = arena.array(outputs)
        return proto
    }

    func node(_ node: Node) throws -> UnsafeMutablePointer<Onnx__NodeProto> {
        let proto = arena.message(Onnx__NodeProto.self) { onnx__node_proto__init($0) }
        proto.pointee.name = arena.string(node.name)
        proto.pointee.op_type = arena.string(node.opType)
        proto.pointee.domain = arena.string(node.domain)
        proto.pointee.n_input = node.inputs.count
        proto.pointee.input = arena.array(node.inputs.map { Optional(arena.string($0)) })
        proto.pointee.n_output = node.outputs.count
        proto.pointee.output = arena.array(node.outputs.map { Optional(arena.string($0)) })
        if let source = node.source, source.type != node.opType {
            proto.pointee.doc_string = arena.string("\(source.type) layer '\(source.name)'")
        }
        var attributes: [UnsafeMutablePointer<Onnx__AttributeProto>?] = []
        for name in node.attributes.keys.sorted() {
            do {
                attributes.append(try attribute(name, node.attributes[name]!))
            } catch let error as StrataError {
                throw error.located(ErrorLocation(node: node.name, opType: node.opType, detail: "attribute '\(name)'"))
            }
        }
        proto.pointee.n_attribute = attributes.count
        proto.pointee.attribute = arena.array(attributes)
        return proto
    }

    func attribute(_ name: String, _ value: Attribute) throws -> UnsafeMutablePointer<Onnx__AttributeProto> {
        let proto = arena.message(Onnx__AttributeProto.self) { onnx__attribute_proto__init($0) }
        proto.pointee.name = arena.string(name)
        proto.pointee.has_type = 1
        switch value {
        case .int(let v):
            proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT
            proto.pointee.has_i = 1
            proto.pointee.i = Int64(v)
        case .float(let v):
            proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT
            proto.pointee.has_f = 1
            proto.pointee.f = v
        case .string(let v):
            proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING
            proto.pointee.has_s = 1
            proto.pointee.s = arena.bytes(of: v)
        case .tensor(let t):
            proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR
            var embedded = self
            embedded.externalDataName = nil
            proto.pointee.t = try embedded.tensor(t, name: "")
        case .ints(let v):
            proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS
            proto.pointee.n_ints = v.count
            proto.pointee.ints = arena.array(v.map(Int64.init))
        case .floats(let v):
            proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS
            proto.pointee.n_floats = v.count
            proto.pointee.floats = arena.array(v)
        case .strings(let v):
            proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS
            proto.pointee.n_strings = v.count
            proto.pointee.strings = arena.array(v.map { arena.bytes(of: $0) })
        case .graph(let body):
            proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH
            proto.pointee.g = try subgraph(body, name: name)
        case .graphs(let bodies):
            proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS
            proto.pointee.n_graphs = bodies.count
            proto.pointee.graphs = arena.array(try bodies.map { Optional(try subgraph($0, name: name)) })
        case .type(let type):
            proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO
            proto.pointee.tp = typeProto(type)
        }
        return proto
    }

    /// A subgraph (an If branch, a Loop, Scan or SequenceMap body) as a GraphProto: its nodes in
    /// topological order, its initializers embedded (never in the external data file), its formal
    /// inputs and outputs with the types they declare (a name alone where they declare none, as
    /// ONNX allows for bodies). Outer values it reads stay references by name.
    func subgraph(_ body: Subgraph, name: String) throws -> UnsafeMutablePointer<Onnx__GraphProto> {
        let proto = arena.message(Onnx__GraphProto.self) { onnx__graph_proto__init($0) }
        proto.pointee.name = arena.string(body.graph.name.isEmpty ? name : body.graph.name)
        let order = try body.topologicalOrder()
        let nodes = try order.map { Optional(try node(body.graph.nodes[$0])) }
        proto.pointee.n_node = nodes.count
        proto.pointee.node = arena.array(nodes)
        var embedded = self
        embedded.externalDataName = nil
        var tensors: [UnsafeMutablePointer<Onnx__TensorProto>?] = []
        for key in body.graph.initializers.keys.sorted() {
            tensors.append(try embedded.tensor(body.graph.initializers[key]!, name: key))
        }
        proto.pointee.n_initializer = tensors.count
        proto.pointee.initializer = arena.array(tensors)
        let inputs = body.inputs.map { Optional(valueInfo(name: $0.name, type: $0.type)) }
        proto.pointee.n_input = inputs.count
        proto.pointee.input = arena.array(inputs)
        let outputs = body.outputs.map { Optional(valueInfo(name: $0.name, type: $0.type)) }
        proto.pointee.n_output = outputs.count
        proto.pointee.output = arena.array(outputs)
        return proto
    }

    /// A tensor with its bytes little-endian in `raw_data`, or in the external data file.
    mutating func tensor(_ tensor: Tensor, name: String) throws -> UnsafeMutablePointer<Onnx__TensorProto> {
        let proto = arena.message(Onnx__TensorProto.self) { onnx__tensor_proto__init($0) }
        proto.pointee.name = arena.string(name)
        proto.pointee.has_data_type = 1
        proto.pointee.data_type = Int32(tensor.dtype.onnxCode)
        proto.pointee.n_dims = tensor.shape.count
        proto.pointee.dims = arena.array(tensor.shape.map(Int64.init))
        if let bits = TensorDecoder.packedBits(tensor.dtype) {
            proto.pointee.has_raw_data = 1
            proto.pointee.raw_data = packed(tensor, bits: bits)
        } else if let externalDataName, tensor.byteCount >= 1024 {
            let offset = externalData.count
            externalData.append(UnsafeRawBufferPointer(start: tensor.rawPointer, count: tensor.byteCount).bindMemory(to: UInt8.self))
            // Keep every tensor 64-byte aligned in the file, for readers that map it.
            let padding = (64 - externalData.count % 64) % 64
            externalData.append(Data(count: padding))
            let entries = [entry("location", externalDataName), entry("offset", String(offset)), entry("length", String(tensor.byteCount))]
            proto.pointee.n_external_data = entries.count
            proto.pointee.external_data = arena.array(entries.map(Optional.some))
            proto.pointee.has_data_location = 1
            proto.pointee.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL
        } else {
            proto.pointee.has_raw_data = 1
            proto.pointee.raw_data = arena.bytes(of: tensor)
        }
        return proto
    }

    /// The elements of a 4- or 2-bit tensor (held one per byte) packed `8 / bits` to a byte, the
    /// first in the lowest bits, as ONNX stores them in raw_data.
    private func packed(_ tensor: Tensor, bits: Int) -> ProtobufCBinaryData {
        let perByte = 8 / bits
        let count = tensor.count / perByte + (tensor.count % perByte == 0 ? 0 : 1)
        let bytes = arena.allocate(UInt8.self, count: count)
        let source = tensor.rawPointer.assumingMemoryBound(to: UInt8.self)
        let mask = UInt8((1 << bits) - 1)
        for i in 0..<tensor.count {
            bytes[i / perByte] |= (source[i] & mask) << UInt8((i % perByte) * bits)
        }
        return ProtobufCBinaryData(len: count, data: bytes)
    }

    func valueInfo(_ info: ValueInfo) -> UnsafeMutablePointer<Onnx__ValueInfoProto> {
        valueInfo(name: info.name, type: info.type)
    }

    /// A ValueInfoProto: the name, and the type when known.
    func valueInfo(name: String, type: ValueType?) -> UnsafeMutablePointer<Onnx__ValueInfoProto> {
        let proto = arena.message(Onnx__ValueInfoProto.self) { onnx__value_info_proto__init($0) }
        proto.pointee.name = arena.string(name)
        if let type { proto.pointee.type = typeProto(type) }
        return proto
    }

    /// A TypeProto: a tensor type (dtype, and the shape when known: sizes, named dims, and unnamed
    /// ones for `?`), wrapped in the sequence and optional types of `type.containers`.
    func typeProto(_ type: ValueType) -> UnsafeMutablePointer<Onnx__TypeProto> {
        let proto = arena.message(Onnx__TypeProto.self) { onnx__type_proto__init($0) }
        if let element = type.element {
            let inner = typeProto(element)
            if type.isSequence {
                let sequence = arena.message(Onnx__TypeProto__Sequence.self) { onnx__type_proto__sequence__init($0) }
                sequence.pointee.elem_type = inner
                proto.pointee.value_case = ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE
                proto.pointee.sequence_type = sequence
            } else {
                let optional = arena.message(Onnx__TypeProto__Optional.self) { onnx__type_proto__optional__init($0) }
                optional.pointee.elem_type = inner
                proto.pointee.value_case = ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE
                proto.pointee.optional_type = optional
            }
            return proto
        }
        let tensorType = arena.message(Onnx__TypeProto__Tensor.self) { onnx__type_proto__tensor__init($0) }
        tensorType.pointee.has_elem_type = 1
        tensorType.pointee.elem_type = Int32(type.dtype.onnxCode)
        if let dims = type.shape {
            let shape = arena.message(Onnx__TensorShapeProto.self) { onnx__tensor_shape_proto__init($0) }
            let entries: [UnsafeMutablePointer<Onnx__TensorShapeProto__Dimension>?] = dims.map { dim in
                let proto = arena.message(Onnx__TensorShapeProto__Dimension.self) { onnx__tensor_shape_proto__dimension__init($0) }
                switch dim {
                case .known(let size):
                    proto.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                    proto.pointee.dim_value = Int64(size)
                case .symbol(let name) where name != "?":
                    proto.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                    proto.pointee.dim_param = arena.string(name)
                case .symbol:
                    break
                }
                return proto
            }
            shape.pointee.n_dim = entries.count
            shape.pointee.dim = arena.array(entries)
            tensorType.pointee.shape = shape
        }
        proto.pointee.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
        proto.pointee.tensor_type = tensorType
        return proto
    }

    func entry(_ key: String, _ value: String) -> UnsafeMutablePointer<Onnx__StringStringEntryProto> {
        let proto = arena.message(Onnx__StringStringEntryProto.self) { onnx__string_string_entry_proto__init($0) }
        proto.pointee.key = arena.string(key)
        proto.pointee.value = arena.string(value)
        return proto
    }
}

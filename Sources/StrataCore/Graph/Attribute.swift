/// A node attribute value, in ONNX's vocabulary.
public enum Attribute: Sendable {
    case int(Int)
    case float(Float)
    case string(String)
    case tensor(Tensor)
    case ints([Int])
    case floats([Float])
    case strings([String])
    /// A subgraph (an `If` branch, a `Loop` or `Scan` body).
    case graph(Subgraph)
    case graphs([Subgraph])
    /// A type (ONNX's `TYPE_PROTO`, as `Optional`'s `type`).
    case type(ValueType)

    /// The ONNX name of this attribute's type, used in error messages.
    public var typeName: String {
        switch self {
        case .int: return "int"
        case .float: return "float"
        case .string: return "string"
        case .tensor: return "tensor"
        case .ints: return "ints"
        case .floats: return "floats"
        case .strings: return "strings"
        case .graph: return "graph"
        case .graphs: return "graphs"
        case .type: return "type"
        }
    }
}

extension Attribute {
    /// `.int(1)` or `.int(0)`, as ONNX stores flags.
    public static func flag(_ value: Bool) -> Attribute { .int(value ? 1 : 0) }
}

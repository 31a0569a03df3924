/// A runtime value of any kind ONNX graphs pass between nodes: a tensor, a sequence of tensors, or
/// an optional (holding a tensor or a sequence, or empty).
///
/// The engine keeps tensors on their own fast path; only sequence and optional ops, control flow
/// and capture see `Value`s (see `Docs/ControlFlow.md`).
public indirect enum Value: Sendable {
    case tensor(Tensor)
    case sequence(TensorSequence)
    /// An optional: the value it holds, or nil when empty, and the type of what it holds
    /// (the type an empty optional would hold, as declared by the file).
    case optional(Value?, element: ValueType)

    /// The value's type; tensor shapes are concrete, a sequence's as `TensorSequence.type`.
    public var type: ValueType {
        switch self {
        case .tensor(let t): return t.type
        case .sequence(let s): return s.type
        case .optional(let v, let element): return .optional(of: v?.type ?? element)
        }
    }

    /// The tensor, for a tensor value; nil otherwise.
    public var tensor: Tensor? {
        if case .tensor(let t) = self { return t }
        return nil
    }

    /// An optional holding `value`.
    public static func some(_ value: Value) -> Value {
        .optional(value, element: value.type)
    }

    /// A short name of the value's kind for messages: "a tensor", "a sequence", "an optional".
    public var kindName: String {
        switch self {
        case .tensor: return "a tensor"
        case .sequence: return "a sequence"
        case .optional: return "an optional"
        }
    }
}

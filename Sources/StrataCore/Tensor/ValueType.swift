/// What is known about a value before running: a tensor's dtype and, when known, its shape; or a
/// sequence of tensors, an optional tensor or an optional sequence (ONNX's `sequence_type` and
/// `optional_type`), described by the innermost tensor's dtype and shape inside `containers`.
///
/// Tensor ops read `dtype` and `shape` of tensor types only: `InferenceContext.type(_:)` refuses a
/// non-tensor input, so a sequence never reaches a tensor op's rule as if it were a tensor.
public struct ValueType: Hashable, Sendable, CustomStringConvertible {
    public var dtype: DType
    /// nil when even the rank is unknown. For a sequence, the shape every element has (dims that
    /// differ between elements are unknown).
    public var shape: [Dim]?
    /// The sequence and optional layers around the tensor type, outermost first; empty for a
    /// tensor. ONNX allows `optional(tensor)`, `optional(sequence(tensor))` and `sequence(tensor)`.
    public var containers: [Container]

    /// One layer around a tensor type.
    public enum Container: String, Hashable, Sendable {
        case sequence
        case optional
    }

    public init(_ dtype: DType, _ shape: [Dim]?) {
        self.dtype = dtype
        self.shape = shape
        self.containers = []
    }

    public init(_ dtype: DType, concrete shape: [Int]) {
        self.init(dtype, shape.dims)
    }

    /// A sequence whose elements have type `element` (a tensor type).
    public static func sequence(of element: ValueType) -> ValueType {
        var type = element
        type.containers.insert(.sequence, at: 0)
        return type
    }

    /// An optional holding a value of type `element` (a tensor or a sequence).
    public static func optional(of element: ValueType) -> ValueType {
        var type = element
        type.containers.insert(.optional, at: 0)
        return type
    }

    /// True for a plain tensor type.
    public var isTensor: Bool { containers.isEmpty }
    public var isSequence: Bool { containers.first == .sequence }
    public var isOptional: Bool { containers.first == .optional }

    /// The type inside the outermost sequence or optional layer; nil for a tensor.
    public var element: ValueType? {
        guard !containers.isEmpty else { return nil }
        var type = self
        type.containers.removeFirst()
        return type
    }

    /// The same type with its (innermost) shape unknown.
    public var withoutShape: ValueType {
        var type = self
        type.shape = nil
        return type
    }

    public var rank: Int? { shape?.count }

    /// The type without its shape: `float32`, `seq(float32)`, `optional(seq(int64))`.
    public var kindDescription: String {
        var text = dtype.rawValue
        for container in containers.reversed() {
            text = "\(container == .sequence ? "seq" : "optional")(\(text))"
        }
        return text
    }

    /// `float32[N, 3]`, `seq(float32[?, 3])`, `optional(seq(int64[2]))`.
    public var description: String {
        var text = "\(dtype.rawValue)\(shape?.shapeDescription ?? "[?]")"
        for container in containers.reversed() {
            text = "\(container == .sequence ? "seq" : "optional")(\(text))"
        }
        return text
    }
}

/// An ONNX sequence value: an ordered list of tensors of one dtype (their shapes may differ).
/// The dtype is kept for an empty sequence too, as `SequenceEmpty` gives it one.
public struct TensorSequence: Sendable {
    public let dtype: DType
    public let elements: [Tensor]

    /// Throws `.invalidInput` when an element's dtype is not `dtype`, naming the element.
    public init(dtype: DType, elements: [Tensor]) throws {
        if let bad = elements.firstIndex(where: { $0.dtype != dtype }) {
            throw StrataError(.invalidInput, "a sequence of \(dtype.rawValue) cannot hold element \(bad), "
                              + "which is \(elements[bad].dtype.rawValue): the elements of a sequence share one dtype")
        }
        self.dtype = dtype
        self.elements = elements
    }

    public var count: Int { elements.count }

    /// The type of the sequence: its dtype, and the elements' common shape where every element
    /// agrees on a dimension (an empty sequence's shape is unknown).
    public var type: ValueType {
        guard let first = elements.first else { return .sequence(of: ValueType(dtype, nil)) }
        guard elements.allSatisfy({ $0.rank == first.rank }) else { return .sequence(of: ValueType(dtype, nil)) }
        let dims: [Dim] = first.shape.indices.map { axis in
            elements.allSatisfy({ $0.shape[axis] == first.shape[axis] }) ? .known(first.shape[axis]) : .anonymous
        }
        return .sequence(of: ValueType(dtype, dims))
    }
}

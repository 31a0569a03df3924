/// A dense, C-ordered (row-major) tensor. Copying a `Tensor` shares its storage; views (reshapes)
/// are cheap. Code that creates a tensor may write into it until it hands it on; after that it is
/// treated as immutable.
public struct Tensor: Sendable {
    public let dtype: DType
    public let shape: [Int]
    public let storage: TensorStorage
    /// Byte offset of the first element inside `storage`.
    public let byteOffset: Int

    /// A new tensor with uninitialised contents (`zeroed` to clear them).
    public init(dtype: DType, shape: [Int], zeroed: Bool = false) {
        self.dtype = dtype
        self.shape = shape
        self.storage = TensorStorage(byteCount: shape.elementCount * dtype.byteSize, zeroed: zeroed)
        self.byteOffset = 0
    }

    /// A tensor over existing storage. The caller guarantees the bytes fit.
    public init(dtype: DType, shape: [Int], storage: TensorStorage, byteOffset: Int = 0) {
        precondition(byteOffset + shape.elementCount * dtype.byteSize <= storage.byteCount, "tensor exceeds its storage")
        self.dtype = dtype
        self.shape = shape
        self.storage = storage
        self.byteOffset = byteOffset
    }

    public var rank: Int { shape.count }
    public var count: Int { shape.elementCount }
    public var byteCount: Int { count * dtype.byteSize }
    public var type: ValueType { ValueType(dtype, concrete: shape) }

    public var rawPointer: UnsafeMutableRawPointer { storage.pointer + byteOffset }

    /// Typed pointer to the elements. `T` must match `dtype` (a programmer invariant).
    public func pointer<T>(as type: T.Type) -> UnsafeMutablePointer<T> {
        precondition(MemoryLayout<T>.stride == dtype.byteSize, "element type does not match \(dtype)")
        return rawPointer.assumingMemoryBound(to: T.self)
    }

    public func buffer<T>(as type: T.Type) -> UnsafeMutableBufferPointer<T> {
        UnsafeMutableBufferPointer(start: pointer(as: T.self), count: count)
    }

    /// The same elements under another shape with the same element count; shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.elementCount == count, "reshape changes element count")
        return Tensor(dtype: dtype, shape: newShape, storage: storage, byteOffset: byteOffset)
    }
}

/// A dense, C-ordered (row-major) tensor. Copying a `Tensor` shares its storage; views (reshapes)
/// are cheap. Code that creates a tensor may write into it until it hands it on; after that it is
/// treated as immutable.
public struct Tensor: Sendable {
    public let dtype: DType
    public let shape: [Int]
    public let storage: TensorStorage
    /// Byte offset of the first element inside `storage`.
    public let byteOffset: Int

    /// A new tensor with uninitialised contents (`zeroed` to clear them). Throws before allocating
    /// anything when the shape has a negative dim or when its bytes do not fit in `MemoryLimit`
    /// (`.resourceLimit`; the caller adds which tensor it is).
    public init(dtype: DType, shape: [Int], zeroed: Bool = false) throws {
        let byteCount = try Tensor.byteCount(dtype: dtype, shape: shape)
        self.dtype = dtype
        self.shape = shape
        self.storage = try TensorStorage(byteCount: byteCount, zeroed: zeroed, for: ValueType(dtype, concrete: shape).description)
        self.byteOffset = 0
    }

    /// The bytes a `dtype` tensor of `shape` takes, checked: a negative dim is `.invalidInput`, a size
    /// beyond `Int` is `.resourceLimit`.
    public static func byteCount(dtype: DType, shape: [Int]) throws -> Int {
        // Described only for an error: every tensor a run allocates comes through here.
        var type: ValueType { ValueType(dtype, concrete: shape) }
        if shape.contains(where: { $0 < 0 }) {
            throw StrataError(.invalidInput, "\(type) has a negative dimension")
        }
        guard let count = shape.checkedElementCount else {
            throw StrataError(.resourceLimit, "\(type) has more elements than a 64-bit size can count")
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else {
            throw StrataError(.resourceLimit, "\(type) needs more than 8 EiB, more than any memory limit")
        }
        return bytes
    }

    /// A tensor over existing storage. The caller guarantees the bytes fit (a programmer invariant:
    /// sizes from files are checked with `byteCount(dtype:shape:)` first).
    public init(dtype: DType, shape: [Int], storage: TensorStorage, byteOffset: Int = 0) {
        let bytes = (try? Tensor.byteCount(dtype: dtype, shape: shape)) ?? Int.max
        precondition(byteOffset >= 0 && bytes <= storage.byteCount - byteOffset, "tensor exceeds its storage")
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
        precondition(newShape.checkedElementCount == count, "reshape changes element count")
        return Tensor(dtype: dtype, shape: newShape, storage: storage, byteOffset: byteOffset)
    }
}

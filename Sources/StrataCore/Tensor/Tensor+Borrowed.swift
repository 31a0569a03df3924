extension Tensor {
    /// A tensor of `dtype` and `shape` over `byteCount` bytes at `bytes` that `owner` keeps alive (a
    /// parsed model message, a mapped file): the bytes are used in place when they are aligned for
    /// the dtype, otherwise copied into aligned memory. With `deferringCopy` (bytes inside a
    /// `MappedFile`) that copy is made when the tensor's bytes are first used, after which the file's
    /// pages under them are let go, so that commands which read only a graph never touch its weights.
    /// `dropPagesWhenDone` (bytes inside a `MappedFile`) lets those pages go when the tensor does too.
    public static func borrowing(_ bytes: UnsafeMutableRawPointer, byteCount: Int, dtype: DType, shape: [Int],
                                 owner: AnyObject, deferringCopy: Bool = false, dropPagesWhenDone: Bool = false) throws -> Tensor {
        guard byteCount > 0 else { return try Tensor(dtype: dtype, shape: shape) }
        if Int(bitPattern: bytes) % dtype.byteSize == 0 {
            let storage = TensorStorage(borrowing: bytes, byteCount: byteCount, owner: owner,
                                        release: dropPagesWhenDone ? MappedFile.dropPages : nil)
            return Tensor(dtype: dtype, shape: shape, storage: storage)
        }
        if deferringCopy {
            let storage = TensorStorage(deferredCopyOf: bytes, byteCount: byteCount, owner: owner, release: MappedFile.dropPages)
            return Tensor(dtype: dtype, shape: shape, storage: storage)
        }
        let tensor = try Tensor(dtype: dtype, shape: shape)
        tensor.rawPointer.copyMemory(from: bytes, byteCount: byteCount)
        return tensor
    }
}

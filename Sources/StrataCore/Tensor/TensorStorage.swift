import Foundation

/// A block of bytes a tensor reads from. Either owned (allocated and freed here), or borrowed from
/// another object that keeps the bytes alive (a parsed model message, a memory-mapped file), so that
/// weights are never copied just to be wrapped.
///
/// Owned storage counts against `MemoryLimit` from allocation until it is freed.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let byteCount: Int
    private let owner: AnyObject?
    /// Bytes this storage holds of `MemoryLimit` (0 for borrowed bytes).
    private let reserved: Int

    /// Allocates `byteCount` bytes aligned for SIMD; the contents are uninitialised unless `zeroed`.
    /// Throws `.resourceLimit` (naming `what`, e.g. the tensor's type) when the bytes do not fit in
    /// `MemoryLimit` or the system cannot provide them; nothing is allocated then.
    public init(byteCount: Int, zeroed: Bool = false, for what: @autoclosure () -> String = "a tensor") throws {
        precondition(byteCount >= 0, "negative byte count")
        let size = Swift.max(byteCount, 1)
        try MemoryLimit.reserve(size, for: what())
        guard let pointer = TensorStorage.allocate(size) else {
            MemoryLimit.release(size)
            throw StrataError(.resourceLimit, "\(what()) needs \(MemoryLimit.describe(bytes: byteCount)), which the system cannot provide")
        }
        self.pointer = pointer
        self.byteCount = byteCount
        self.owner = nil
        self.reserved = size
        if zeroed { memset(pointer, 0, size) }
    }

    /// A copy of `bytes`, which are already in memory: counted against `MemoryLimit` but never refused
    /// by it (such copies are as large as a value the caller built), and a failed allocation stops
    /// the process as it would for that value.
    public init(copying bytes: UnsafeRawBufferPointer) {
        let size = Swift.max(bytes.count, 1)
        guard let pointer = TensorStorage.allocate(size) else {
            fatalError("cannot allocate \(size) bytes to copy a value already in memory")
        }
        MemoryLimit.record(size)
        if let base = bytes.baseAddress, bytes.count > 0 { pointer.copyMemory(from: base, byteCount: bytes.count) }
        self.pointer = pointer
        self.byteCount = bytes.count
        self.owner = nil
        self.reserved = size
    }

    /// Wraps bytes that `owner` keeps alive; they are not freed here.
    public init(borrowing pointer: UnsafeMutableRawPointer, byteCount: Int, owner: AnyObject) {
        self.pointer = pointer
        self.byteCount = byteCount
        self.owner = owner
        self.reserved = 0
    }

    deinit {
        if owner == nil {
            free(pointer)
            MemoryLimit.release(reserved)
        }
    }

    /// 64-byte aligned memory from the C allocator, nil when it has none (unlike Swift's allocator,
    /// which stops the process).
    private static func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, 64, size) == 0 else { return nil }
        return pointer
    }
}

import Foundation

/// A block of bytes a tensor reads from. Either owned (allocated and freed here), or borrowed from
/// another object that keeps the bytes alive (a parsed model message, a memory-mapped file), so that
/// weights are never copied just to be wrapped.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let byteCount: Int
    private let owner: AnyObject?

    /// Allocates `byteCount` bytes aligned for SIMD; the contents are uninitialised unless `zeroed`.
    public init(byteCount: Int, zeroed: Bool = false) {
        let size = Swift.max(byteCount, 1)
        self.pointer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        self.byteCount = byteCount
        self.owner = nil
        if zeroed { memset(pointer, 0, size) }
    }

    /// Wraps bytes that `owner` keeps alive; they are not freed here.
    public init(borrowing pointer: UnsafeMutableRawPointer, byteCount: Int, owner: AnyObject) {
        self.pointer = pointer
        self.byteCount = byteCount
        self.owner = owner
    }

    deinit {
        if owner == nil { pointer.deallocate() }
    }
}

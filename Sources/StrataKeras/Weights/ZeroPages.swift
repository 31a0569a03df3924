import Foundation
import StrataCore

/// Anonymous memory that the system fills with zeros only when a page is first touched: the stand-in
/// bytes of a weight imported for its shape only, so that a tensor of the declared type exists while
/// neither the file's values nor resident memory of that size are used.
final class ZeroPages: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    private let length: Int

    /// Maps `byteCount` bytes (at least one page); `.resourceLimit` naming `what` when the system
    /// has no address space for them.
    init(byteCount: Int, for what: @autoclosure () -> String) throws {
        length = Swift.max(byteCount, 1)
        let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw StrataError(.resourceLimit, "\(what()) needs \(MemoryLimit.describe(bytes: byteCount)) of address space, which the system cannot provide")
        }
        pointer = mapped
    }

    deinit { munmap(pointer, length) }

    /// A zero tensor of `dtype` and `shape` over fresh zero pages. Like a tensor that holds values, it
    /// may not be larger than `MemoryLimit` (though it does not count against it while untouched).
    static func tensor(_ dtype: DType, _ shape: [Int], for what: @autoclosure () -> String) throws -> Tensor {
        guard let count = shape.checkedElementCount, let bytes = CheckedArithmetic.product(count, dtype.byteSize),
              bytes <= MemoryLimit.bytes
        else {
            throw StrataError(.resourceLimit, "\(what()) of shape \(shape) is larger than the memory limit (\(MemoryLimit.describe(bytes: MemoryLimit.bytes)))")
        }
        let pages = try ZeroPages(byteCount: bytes, for: what())
        return Tensor(dtype: dtype, shape: shape, storage: TensorStorage(borrowing: pages.pointer, byteCount: bytes, owner: pages))
    }
}

import Foundation
import StrataCore

/// A whole file mapped read-only into memory, unmapped when the last user lets go. Tensors whose
/// bytes live in the file borrow them with this object as the owner.
///
/// The mapping is private and copy-on-write, so a stray write changes this process's pages only.
final class MappedFile {
    /// The first byte, or nil for an empty file.
    let bytes: UnsafeMutableRawPointer?
    let byteCount: Int

    /// Maps the regular file at `path` (opened so that a FIFO cannot block and checked with `fstat`;
    /// `noFollow` also refuses a symbolic link as the last component). Failures are `.io` errors with
    /// a one-line reason; the caller adds the location.
    init(path: String, noFollow: Bool = false) throws {
        let fd: Int32
        do {
            (fd, byteCount) = try InputFile.open(path, noFollow: noFollow)
        } catch let error as StrataError {
            throw StrataError(error.kind, error.message)
        }
        defer { close(fd) }
        if byteCount == 0 {
            bytes = nil
            return
        }
        let address = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
        if address == MAP_FAILED || address == nil { throw StrataError(.io, "cannot map file: " + MappedFile.reason(errno)) }
        bytes = address
    }

    deinit {
        if let bytes { munmap(bytes, byteCount) }
    }

    private static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "file not found"
        case EACCES: return "permission denied"
        default: return String(cString: strerror(code))
        }
    }
}

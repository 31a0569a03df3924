import Foundation

/// A whole file mapped read-only into memory, unmapped when the last user lets go. Tensors whose
/// bytes live in the file borrow them with this object as the owner.
///
/// The mapping is private and copy-on-write, so a stray write changes this process's pages only.
public final class MappedFile {
    /// The first byte, or nil for an empty file.
    public let bytes: UnsafeMutableRawPointer?
    public let byteCount: Int
    /// Kept open so that `read(_:count:at:)` reads the very file that is mapped.
    private let descriptor: Int32

    /// Maps the regular file at `path` (opened so that a FIFO cannot block and checked with `fstat`;
    /// `noFollow` also refuses a symbolic link as the last component). Failures are `.io` errors with
    /// a one-line reason; the caller adds the location.
    public convenience init(path: String, noFollow: Bool = false) throws {
        let fd: Int32
        let size: Int
        do {
            (fd, size) = try InputFile.open(path, noFollow: noFollow)
        } catch let error as StrataError {
            throw StrataError(error.kind, error.message)
        }
        try self.init(owning: fd, byteCount: size)
    }

    /// Maps the first `byteCount` bytes of the file `descriptor` refers to (a regular file or a memfd
    /// the caller opened and checked), through a duplicate of the descriptor: the caller keeps its own.
    public convenience init(descriptor: Int32, byteCount: Int) throws {
        let fd = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard fd >= 0 else { throw StrataError(.io, "cannot map file: " + MappedFile.reason(errno)) }
        try self.init(owning: fd, byteCount: byteCount)
    }

    /// Maps `fd`, which this object then owns and closes.
    private init(owning fd: Int32, byteCount: Int) throws {
        self.byteCount = byteCount
        descriptor = fd
        if byteCount == 0 {
            bytes = nil
            return
        }
        let address = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
        if address == MAP_FAILED || address == nil {
            let reason = MappedFile.reason(errno)
            close(fd)
            throw StrataError(.io, "cannot map file: " + reason)
        }
        #if os(Linux)
        // A file the page cache holds in 2 MB folios is otherwise mapped 2 MB at a time: reading a
        // bias of a few hundred bytes that a run uses in place then brings the 2 MB around it into
        // this process's memory (a Keras ResNet50 archive kept 20 MB of them resident, over the run's
        // memory bound). Small pages map only the faulted bytes and a few neighbours.
        _ = madvise(address, byteCount, MADV_NOHUGEPAGE)
        #endif
        bytes = address
    }

    deinit {
        if let bytes { munmap(bytes, byteCount) }
        close(descriptor)
    }

    /// Copies up to `count` bytes at `offset` into `buffer` with `pread`, without touching the
    /// mapping: reading a few header bytes through a mapping makes the kernel map whole folios
    /// around them (hundreds of KB each), which would bring most of a model's weights into this
    /// process's memory just to read its graph. Returns how many bytes were read.
    public func read(_ buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) throws -> Int {
        var done = 0
        while done < count {
            let n = pread(descriptor, buffer + done, count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw StrataError(.io, "cannot read file: " + MappedFile.reason(errno))
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Lets the kernel drop the whole pages inside `[pointer, pointer + count)` of a mapping from
    /// this process's memory, once their bytes have been copied elsewhere. The mapping is private
    /// and those pages were only read, so a later read would fault the same bytes in from the file.
    @Sendable public static func dropPages(_ pointer: UnsafeMutableRawPointer, _ count: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0 else { return }
        let start = (Int(bitPattern: pointer) + page - 1) / page * page
        let end = (Int(bitPattern: pointer) + count) / page * page
        guard end > start, let first = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(first, end - start, MADV_DONTNEED)
    }

    private static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "file not found"
        case EACCES: return "permission denied"
        default: return String(cString: strerror(code))
        }
    }
}

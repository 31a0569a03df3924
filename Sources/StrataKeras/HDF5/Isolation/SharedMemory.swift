import Foundation
import StrataCore

/// Memory that can be handed to another process by descriptor, mapped here for as long as this
/// object lives: a Linux memfd, or a file in a RAM-backed folder when it must have a name. A tensor
/// read by the HDF5 worker borrows its bytes from one, so the worker's read is the only copy. The
/// bytes count against `MemoryLimit` until it is freed.
final class SharedMemory: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    /// The descriptor; nil once `closeDescriptor()` ran (the mapping keeps the memory alive).
    private(set) var descriptor: Int32?
    /// The file's name while it has one (see `init(byteCount:for:named:)`).
    private(set) var path: String?

    /// Reserves `byteCount` bytes of `MemoryLimit` (naming `what` if they do not fit), creates the
    /// memory and maps it. `named` makes it a file in /dev/shm (the temporary folder where there is
    /// none) instead of a memfd: libhdf5 opens files by a name it resolves, which a memfd lacks.
    /// `unlink()` removes the name once the file is open.
    init(byteCount: Int, for what: @autoclosure () -> String, named: Bool = false) throws {
        precondition(byteCount > 0)
        try MemoryLimit.reserve(byteCount, for: what())
        var reserved = true
        defer { if reserved { MemoryLimit.release(byteCount) } }
        var created: Int32?
        if named {
            (created, path) = SharedMemory.createNamed(byteCount: byteCount)
        } else {
            created = SharedMemory.create()
        }
        guard let fd = created else {
            throw StrataError(.resourceLimit, "cannot create shared memory: " + String(cString: strerror(errno)))
        }
        // Allocating the pages now turns a memory limit into this error, instead of a SIGBUS when the
        // bytes are written (named files got theirs in `createNamed`).
        guard named || posix_fallocate(fd, 0, off_t(byteCount)) == 0,
              let address = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), address != MAP_FAILED
        else {
            if let path { Foundation.unlink(path) }
            close(fd)
            throw StrataError(.resourceLimit, "\(what()) needs \(MemoryLimit.describe(bytes: byteCount)), which the system cannot provide")
        }
        pointer = address
        self.byteCount = byteCount
        descriptor = fd
        reserved = false
    }

    func closeDescriptor() {
        if let descriptor { close(descriptor) }
        descriptor = nil
    }

    /// Removes the name of a named file; the open descriptor and mapping keep it.
    func unlink() {
        if let path { Foundation.unlink(path) }
        path = nil
    }

    deinit {
        unlink()
        closeDescriptor()
        munmap(pointer, byteCount)
        MemoryLimit.release(byteCount)
    }

    /// Whether this system has memfds (Linux).
    static var available: Bool { memfdCreate != nil }

    /// A new, empty memfd (close-on-exec), or nil with `errno` set.
    static func create() -> Int32? {
        guard let memfdCreate else {
            errno = ENOSYS
            return nil
        }
        let fd = memfdCreate("strata-hdf5", 1)  // MFD_CLOEXEC
        return fd >= 0 ? fd : nil
    }

    /// A new file of `byteCount` allocated bytes with a unique name, close-on-exec: in /dev/shm (RAM)
    /// when it has room, else in the temporary folder (/dev/shm is 64 MiB in a default Docker container).
    private static func createNamed(byteCount: Int) -> (Int32?, String?) {
        for folder in ["/dev/shm", NSTemporaryDirectory()] {
            var template = Array((folder.hasSuffix("/") ? folder : folder + "/").utf8CString.dropLast())
                + Array("strata-keras-XXXXXX".utf8CString)
            let fd = mkstemp(&template)
            guard fd >= 0 else { continue }
            let path = String(cString: template)
            if posix_fallocate(fd, 0, off_t(byteCount)) == 0 {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                return (fd, path)
            }
            Foundation.unlink(path)
            close(fd)
        }
        return (nil, nil)
    }

    private typealias MemfdCreate = @convention(c) (UnsafePointer<CChar>, UInt32) -> Int32

    // Glibc declares memfd_create only under _GNU_SOURCE, which the Glibc module does not set.
    private static let memfdCreate: MemfdCreate? = {
        #if os(Linux)
        guard let symbol = dlsym(nil, "memfd_create") else { return nil }
        return unsafeBitCast(symbol, to: MemfdCreate.self)
        #else
        return nil
        #endif
    }()
}

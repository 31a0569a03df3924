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
            (created, path) = SharedMemory.createNamed()
        } else {
            created = SharedMemory.create()
        }
        guard let fd = created else {
            throw StrataError(.resourceLimit, "cannot create shared memory: " + String(cString: strerror(errno)))
        }
        guard ftruncate(fd, off_t(byteCount)) == 0,
              let address = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), address != MAP_FAILED
        else {
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

    /// A new, empty file with a unique name in /dev/shm or the temporary folder, close-on-exec.
    private static func createNamed() -> (Int32?, String?) {
        var isFolder: ObjCBool = false
        let folder = FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isFolder) && isFolder.boolValue
            ? "/dev/shm" : NSTemporaryDirectory()
        var template = Array((folder.hasSuffix("/") ? folder : folder + "/").utf8CString.dropLast()) + Array("strata-keras-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { return (nil, nil) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return (fd, String(cString: template))
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

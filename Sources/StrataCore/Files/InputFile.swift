import Foundation

/// Opening the files a command reads (models, external data, arrays, JSON configs) as regular files
/// only. The open itself cannot block (`O_NONBLOCK`: a FIFO named as a model would otherwise wait
/// forever for a writer), and what was opened is checked with `fstat`, so a FIFO, device, socket or
/// folder is refused with a clear error instead of being read.
public enum InputFile {
    /// Opens `path` read-only and returns the descriptor (close-on-exec, blocking again) and the
    /// file's size. `noFollow` also refuses a symbolic link as the last path component. Errors are
    /// `.io` errors located at `path` that say why (`file not found`, `is a FIFO, not a regular file` …).
    public static func open(_ path: String, noFollow: Bool = false) throws -> (fd: Int32, size: Int) {
        var flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC
        if noFollow { flags |= O_NOFOLLOW }
        let fd = Foundation.open(path, flags)
        guard fd >= 0 else { throw StrataError(.io, reason(errno, noFollow: noFollow), at: ErrorLocation(file: path)) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = StrataError(.io, reason(errno), at: ErrorLocation(file: path))
            close(fd)
            throw error
        }
        if let kind = irregularKind(info.st_mode) {
            close(fd)
            throw StrataError(.io, kind, at: ErrorLocation(file: path))
        }
        // Regular files never block; reads should not see EAGAIN from the flag either way.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return (fd, Int(info.st_size))
    }

    /// The whole contents of the regular file at `path`; files larger than `limit` bytes are refused
    /// before reading (a JSON config, an options file).
    public static func contents(_ path: String, limit: Int = 1 << 30) throws -> Data {
        let (fd, size) = try open(path)
        defer { close(fd) }
        guard size <= limit else {
            throw StrataError(.resourceLimit, "the file has \(size) bytes, more than the \(limit) this file may have",
                              at: ErrorLocation(file: path))
        }
        var data = Data(count: size)
        let done = data.withUnsafeMutableBytes { readFully(fd, $0.baseAddress, size) }
        guard done >= 0 else { throw StrataError(.io, "cannot read: " + String(cString: strerror(errno)), at: ErrorLocation(file: path)) }
        data.count = done
        return data
    }

    /// Calls `body` with the contents of the regular file at `path`, mapped read-only for the call.
    public static func withMapped<T>(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let (fd, size) = try open(path)
        defer { close(fd) }
        guard size > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw StrataError(.io, "cannot map file: " + String(cString: strerror(errno)), at: ErrorLocation(file: path))
        }
        defer { munmap(address, size) }
        return try body(UnsafeRawBufferPointer(start: address, count: size))
    }

    /// Up to `count` bytes from the start of the regular file at `path` (a signature check); nil when
    /// it cannot be opened as one.
    public static func prefix(_ path: String, count: Int) -> [UInt8]? {
        guard let (fd, _) = try? open(path) else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        let done = bytes.withUnsafeMutableBytes { readFully(fd, $0.baseAddress, count) }
        return done < 0 ? nil : Array(bytes.prefix(done))
    }

    /// Why a `stat` mode is not a regular file, or nil when it is one.
    public static func irregularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "is a directory, not a file"
        case S_IFIFO: return "is a FIFO, not a regular file"
        case S_IFSOCK: return "is a socket, not a regular file"
        case S_IFCHR, S_IFBLK: return "is a device, not a regular file"
        case S_IFLNK: return "is a symbolic link"
        default: return "is not a regular file"
        }
    }

    /// Reads until `count` bytes or the end of the file; the bytes read, or -1 with `errno` set.
    private static func readFully(_ fd: Int32, _ base: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        guard let base else { return 0 }
        var done = 0
        while done < count {
            let n = read(fd, base + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return -1
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    private static func reason(_ code: Int32, noFollow: Bool = false) -> String {
        switch code {
        case ENOENT: return "file not found"
        case EACCES: return "permission denied"
        case ELOOP where noFollow: return "is a symbolic link, which is not followed here"
        case EISDIR: return "is a directory, not a file"
        default: return String(cString: strerror(code))
        }
    }
}

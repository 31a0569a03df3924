import Foundation
import StrataCore

/// A file that holds the current input, for the readers that take a path as the commands call them:
/// created in /dev/shm (a tmpfs: rewriting a file on a disk file system such as ext4 costs a writeback
/// each run, a third of a run's time) or else the temporary folder, unlinked at once, then opened by its
/// `/proc/self/fd/N` name, which opens as a regular file, as a model on disk does, and leaves nothing behind.
public final class FuzzFile: @unchecked Sendable {
    private let fd: Int32

    /// The path the readers open.
    public let path: String

    public init(name: String) {
        let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        var template = Array((folder + "/strata-fuzz-XXXXXX-" + name).utf8CString)
        fd = mkstemps(&template, Int32(name.utf8.count + 1))
        precondition(fd >= 0, "mkstemps failed: errno \(errno)")
        unlink(String(cString: template))
        path = "/proc/self/fd/\(fd)"
    }

    /// Replaces the file's contents with `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        precondition(ftruncate(fd, 0) == 0, "ftruncate failed: errno \(errno)")
        var written = 0
        while written < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + written, bytes.count - written, off_t(written))
            precondition(n > 0, "pwrite failed: errno \(errno)")
            written += n
        }
    }
}

import Foundation
import StrataCore
import Synchronization

/// A file that holds the current input, for the readers that take a path as the commands call them: a
/// regular file in /dev/shm (a tmpfs: rewriting a file on a disk file system such as ext4 costs a
/// writeback each run, a third of a run's time) or else the temporary folder. The last one is removed
/// when the process exits normally (a crash leaves it, one file of at most `-max_len` bytes).
///
/// Each input gets a new file (a new inode), and the file keeps its name while it is read:
/// - libhdf5 shares one open file per inode: had anything of an earlier input's file stayed open, the next
///   `H5Fopen` of the same inode would see that input's cached metadata, not this input's bytes, and a
///   finding would depend on the inputs before it;
/// - libhdf5 resolves the `/proc/self/fd/N` name Strata hands it with `realpath`, which fails for an
///   unlinked file (every HDF5 input then failed at `H5Fopen`).
public final class FuzzFile: @unchecked Sendable {
    private let name: String
    private var fd: Int32 = -1

    /// The path the readers open: the file `write` made last.
    public private(set) var path = ""

    public init(name: String) {
        self.name = name
        _ = FuzzFile.removeAtExit
    }

    /// Puts `bytes` in a new file, removing the previous one.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        if fd >= 0 {
            close(fd)
            unlink(path)
        }
        let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        var template = Array((folder + "/strata-fuzz-XXXXXX-" + name).utf8CString)
        fd = mkstemps(&template, Int32(name.utf8.count + 1))
        precondition(fd >= 0, "mkstemps failed: errno \(errno)")
        let previous = path
        path = String(cString: template)
        FuzzFile.current.withLock { paths in
            paths.removeAll { $0 == previous }
            paths.append(path)
        }
        var written = 0
        while written < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + written, bytes.count - written, off_t(written))
            precondition(n > 0, "pwrite failed: errno \(errno)")
            written += n
        }
    }

    /// The files that exist now, for the exit handler.
    private static let current = Mutex<[String]>([])

    private static let removeAtExit: Void = {
        atexit { FuzzFile.current.withLock { paths in paths.forEach { unlink($0) } } }
    }()
}

import Foundation

/// The rules for output files (`convert`'s ONNX file, `diagram -o`, any `-o FILE`): they are written
/// only as regular files. A path that names a device, FIFO, socket or folder is refused (renaming a
/// new file over `/dev/null` would replace the device node), and so is a path that is one of the
/// command's inputs (same device and inode), so that a command never destroys what it reads.
///
/// Writers stage the bytes under a temporary name in the same folder and `move` them into place, which
/// checks again right before the rename.
public enum OutputFile {
    /// Throws `.unsafePath`, located at `path`, when `path` exists and is not a regular file (symbolic
    /// links are followed), or is the same file as one of `inputs`.
    public static func check(_ path: String, notOverwriting inputs: [String] = []) throws {
        var target = stat()
        guard stat(path, &target) == 0 else { return }  // nothing there yet (or a dangling link, which rename replaces)
        if let kind = InputFile.irregularKind(target.st_mode) {
            throw StrataError(.unsafePath, "\(kind); outputs are written only as regular files", at: ErrorLocation(file: path))
        }
        for input in inputs {
            var source = stat()
            guard stat(input, &source) == 0 else { continue }
            if source.st_dev == target.st_dev && source.st_ino == target.st_ino {
                throw StrataError(.unsafePath, "is the input '\(input)'; Strata does not overwrite what it reads", at: ErrorLocation(file: path))
            }
        }
    }

    /// Renames the finished `temporary` file over `path` after `check`; on failure the temporary file
    /// is removed.
    public static func move(_ temporary: String, to path: String, notOverwriting inputs: [String] = []) throws {
        do {
            try check(path, notOverwriting: inputs)
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw StrataError(.io, "cannot move into place: \(reason)", at: ErrorLocation(file: path))
        }
    }
}

import Foundation
import StrataCore

/// Writes a file so that readers never see it half-written: the bytes go to a hidden temporary
/// name in the same folder, which is renamed over the destination once complete. The destination
/// follows `OutputFile`'s rules: only a regular file (or nothing) is replaced, never a device, FIFO,
/// socket or folder, and never one of `inputs`.
public enum AtomicFile {
    /// Writes `chunks` one after another to `path`, replacing any existing regular file that is not
    /// one of `inputs`.
    public static func write(_ path: String, chunks: [UnsafeRawBufferPointer], notOverwriting inputs: [String] = []) throws {
        try OutputFile.check(path, notOverwriting: inputs)
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let location = ErrorLocation(file: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StrataError(.io, "cannot create file: \(errnoText())", at: location) }
        var failure: StrataError?
        outer: for chunk in chunks {
            var done = 0
            while done < chunk.count, let base = chunk.baseAddress {
                let n = Foundation.write(fd, base + done, chunk.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = StrataError(.io, "cannot write: \(errnoText())", at: location)
                    break outer
                }
                done += n
            }
        }
        if close(fd) != 0, failure == nil { failure = StrataError(.io, "cannot write: \(errnoText())", at: location) }
        if let failure {
            unlink(temporary)
            throw failure
        }
        try OutputFile.move(temporary, to: path, notOverwriting: inputs)
    }

    /// Writes `data` to `path` atomically.
    public static func write(_ path: String, data: [UInt8], notOverwriting inputs: [String] = []) throws {
        try data.withUnsafeBytes { try write(path, chunks: [$0], notOverwriting: inputs) }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

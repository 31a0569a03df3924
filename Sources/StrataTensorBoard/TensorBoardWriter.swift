import Foundation
import StrataCore

/// Writes one new TensorBoard events file, `events.out.tfevents.<seconds>.<host>.<pid>.strata`, in a
/// log directory or its `run` subfolder: TFRecord framing (`TFRecord`) around serialized `Event`s,
/// the first one `file_version: "brain.Event:2"`, each later one a summary of values at a step.
///
/// Nothing is created before the first value reaches the disk: the folders and the file appear at
/// the first `flush` (or `commit`, `close`, or when the buffer fills) after an `add`. Values are
/// appended in the order added. `commit` writes everything added so far and marks it as complete;
/// `abandon` (also called on deinit unless the writer was closed) removes what was added after the
/// last commit, and removes the file and the folders this writer created when nothing was
/// committed, so a run that fails leaves either the steps it completed or nothing at all.
///
/// Wall times are the clock's (seconds since the Unix epoch) unless given, and never go back: a
/// clock that steps backwards repeats the previous time. The `file_version` event has the time the
/// first value was added, or the value's own time when that is earlier. Not thread-safe.
public final class TensorBoardWriter {
    /// The `file_version` of the first event.
    public static let fileVersion = "brain.Event:2"
    /// Pending bytes that make `add` write to the file.
    static let bufferLimit = 8 << 20

    /// The folder the events file goes into: the log directory, or its `run` subfolder.
    public let directory: String
    /// The events file once it exists; nil before the first value is written, and after `abandon`
    /// removed it.
    public private(set) var path: String?

    private let clock: () -> Double
    private var descriptor: Int32 = -1
    private var pending: [UInt8] = []
    /// Bytes written to the file.
    private var fileSize = 0
    /// Bytes of the file the last `commit` vouched for; 0 before the first commit of values.
    private var committedSize = 0
    private var lastWallTime = -Double.infinity
    private var createdFolders: [String] = []
    private var finished = false

    /// A writer for `logDirectory`, or for `logDirectory/run` when `run` is given (a relative path
    /// whose parts are neither empty, `.` nor `..`). Creates nothing yet; throws `invalidInput` for a
    /// bad run name, `unsafePath` when the folder exists and is not a folder.
    public convenience init(logDirectory: String, run: String? = nil) throws {
        try self.init(logDirectory: logDirectory, run: run, clock: { Date().timeIntervalSince1970 })
    }

    /// As the public `init`, with another clock (for tests).
    init(logDirectory: String, run: String?, clock: @escaping () -> Double) throws {
        guard !logDirectory.isEmpty, !logDirectory.utf8.contains(0) else {
            throw StrataError(.invalidInput, "the TensorBoard log directory must be a non-empty path")
        }
        var folder = logDirectory
        if let run {
            let parts = run.split(separator: "/", omittingEmptySubsequences: false)
            guard !run.hasPrefix("/"), !run.utf8.contains(0), !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
                throw StrataError(.invalidInput, "a run name is a relative path whose parts are not empty, '.' or '..', found '\(run)'")
            }
            folder = (logDirectory.hasSuffix("/") ? logDirectory : logDirectory + "/") + run
        }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), !isFolder.boolValue {
            throw StrataError(.unsafePath, "exists and is not a folder; TensorBoard logs go into a folder", at: ErrorLocation(file: folder))
        }
        directory = folder
        self.clock = clock
    }

    deinit {
        abandon()
    }

    /// Adds one event holding `values` at `step` and `wallTime` (seconds since the Unix epoch; now
    /// when nil). Nothing is added for no values. Throws `invalidInput` for a wall time that is not
    /// finite, and what `flush` throws when the buffer fills.
    public func add(_ values: [TensorBoardValue], step: Int64, wallTime: Double? = nil) throws {
        precondition(!finished, "TensorBoard writer used after close or abandon")
        guard !values.isEmpty else { return }
        let time = wallTime ?? Swift.max(clock(), lastWallTime)
        guard time.isFinite else { throw StrataError(.invalidInput, "a TensorBoard wall time must be finite, found \(time)") }
        if path == nil && pending.isEmpty {
            // The file begins now, and never after its first value.
            let begun = Swift.min(clock(), time)
            TFRecord.append(try EventEncoder.fileVersion(Self.fileVersion, wallTime: begun.isFinite ? begun : time), to: &pending)
        }
        TFRecord.append(try EventEncoder.summary(values, step: step, wallTime: time), to: &pending)
        lastWallTime = Swift.max(lastWallTime, time)
        if pending.count >= Self.bufferLimit { try flush() }
    }

    /// Adds one event holding `value`.
    public func add(_ value: TensorBoardValue, step: Int64, wallTime: Double? = nil) throws {
        try add([value], step: step, wallTime: wallTime)
    }

    /// Writes the events added so far to the file, creating it (and its folders) if needed.
    /// Throws `io` errors located at the file.
    public func flush() throws {
        precondition(!finished, "TensorBoard writer used after close or abandon")
        guard !pending.isEmpty else { return }
        if descriptor < 0 { try create() }
        let location = ErrorLocation(file: path)
        var done = 0
        try pending.withUnsafeBytes { bytes in
            while done < bytes.count {
                let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(fileSize + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    let reason = Self.errnoText()
                    // A record cut short would end the log for TensorBoard's reader: cut it off.
                    _ = ftruncate(descriptor, off_t(fileSize))
                    pending = []
                    throw StrataError(.io, "cannot write: \(reason)", at: location)
                }
                done += n
            }
        }
        fileSize += done
        pending = []
    }

    /// Writes everything added so far and marks it complete: `abandon` keeps it.
    public func commit() throws {
        try flush()
        committedSize = fileSize
    }

    /// Commits and closes the file. The writer takes no more values.
    public func close() throws {
        guard !finished else { return }
        try commit()
        finished = true
        if descriptor >= 0 {
            let failed = Foundation.close(descriptor) != 0
            descriptor = -1
            if failed { throw StrataError(.io, "cannot close: \(Self.errnoText())", at: ErrorLocation(file: path)) }
        }
    }

    /// Drops the values added since the last commit: they are cut off the file, or the file and the
    /// folders this writer created are removed when no value was committed. The writer takes no
    /// more values.
    public func abandon() {
        guard !finished else { return }
        finished = true
        pending = []
        guard descriptor >= 0 else { return }
        if committedSize > 0 {
            _ = ftruncate(descriptor, off_t(committedSize))
            _ = Foundation.close(descriptor)
        } else {
            _ = Foundation.close(descriptor)
            if let path { unlink(path) }
            path = nil
            for folder in createdFolders { rmdir(folder) }
        }
        descriptor = -1
    }

    /// Creates the folders and a new events file named after the clock's seconds, the host and the
    /// process (`-2`, `-3`, … appended if a file of that name exists).
    private func create() throws {
        var missing: [String] = []
        var folder = URL(fileURLWithPath: directory)
        while !folder.path.isEmpty, folder.path != "/", !FileManager.default.fileExists(atPath: folder.path) {
            missing.append(folder.path)
            folder.deleteLastPathComponent()
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StrataError(.io, "cannot create the TensorBoard log folder: \((error as NSError).localizedDescription)",
                              at: ErrorLocation(file: directory))
        }
        createdFolders = missing
        let seconds = Int64(Swift.max(0, Swift.min(clock(), 9.9e9)))
        let stem = directory + "/" + Self.fileName(seconds: seconds, host: Self.hostName(), pid: Int(getpid()))
        for attempt in 1 ... 1000 {
            let candidate = attempt == 1 ? stem : "\(stem)-\(attempt)"
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                descriptor = fd
                path = candidate
                return
            }
            if errno != EEXIST {
                throw StrataError(.io, "cannot create the events file: \(Self.errnoText())", at: ErrorLocation(file: candidate))
            }
        }
        throw StrataError(.io, "cannot create the events file: 1000 files of that name exist", at: ErrorLocation(file: stem))
    }

    /// `events.out.tfevents.<seconds, 10 digits>.<host>.<pid>.strata`.
    static func fileName(seconds: Int64, host: String, pid: Int) -> String {
        let digits = String(seconds)
        return "events.out.tfevents." + String(repeating: "0", count: Swift.max(0, 10 - digits.count)) + digits + ".\(host).\(pid).strata"
    }

    /// The host name with anything but letters, digits, `.`, `-` and `_` replaced by `_`; `localhost`
    /// when it cannot be read.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let safe = String(name.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0" ... "9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
                ? Character(scalar) : "_"
        })
        return safe.isEmpty ? "localhost" : safe
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

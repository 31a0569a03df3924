import Foundation
import StrataCore

/// Strata's side of HDF5 isolation: starts a worker (`executable hdf5-worker`) for one file and asks
/// it for what the importer needs, over a socket (`WireChannel`). Datasets come back in shared
/// memory (`SharedMemory`) that the worker's libhdf5 reads into and the tensor then borrows.
///
/// When the worker dies (libhdf5 crashed on the file), stops answering within the time allowed (it
/// loops), or sends something malformed, the worker is killed and that call and every later one
/// fail with `the HDF5 library failed reading '<HDF5 path>': the file is corrupt`.
final class HDF5WorkerClient: HDF5Access, @unchecked Sendable {
    private var channel: WireChannel
    private var pid: pid_t
    private let lock = NSLock()
    /// Bytes in the file; values used in place must lie inside them.
    private let fileSize: Int
    private var failure: StrataError?
    /// Replies to metadata requests, by request bytes: the file is opened read-only and does not change
    /// while it is read, and the importer asks some questions many times (a group's kind, its children).
    private var replies: [[UInt8]: WireMessage] = [:]
    /// The worker's answers given ahead of time (see `HDF5Snapshot`); nil when it could not give them.
    private var snapshot: HDF5Snapshot?

    /// Seconds a metadata request (links, attributes, dataset shapes) may take; libhdf5 answers these
    /// in microseconds to milliseconds, so only a worker stuck on a corrupt file comes near it.
    static let requestTimeout: Double = 5
    /// Extra seconds for the first request, which also pays for starting the worker.
    static let startTimeout: Double = 10
    /// Bytes per second a dataset read is given on top of `requestTimeout` (disks and page cache read
    /// 10-100 times faster).
    static let readRate: Double = 64 * 1024 * 1024

    /// Starts a worker and has it open the file `descriptor` refers to (`fileSize` bytes). The worker's
    /// heap is limited to `MemoryLimit.bytes` (at least 256 MiB).
    ///
    /// The worker then describes the whole file in one reply (`HDF5Snapshot`). It reads every object's
    /// metadata for that, so a file on which libhdf5 crashes or loops anywhere is refused here, naming
    /// the object it was reading (the worker notes each one in a shared page before reading it).
    /// `imageOffset`: the file is an HDF5 file image of `fileSize` bytes stored at that offset of the
    /// file `descriptor` refers to (a `.keras` archive's stored member), read in place by the worker.
    init(executable: String, descriptor: Int32, fileSize: Int, imageOffset: Int? = nil) throws {
        self.fileSize = fileSize
        (channel, pid) = try Self.start(executable, descriptor: descriptor, fileSize: fileSize, imageOffset: imageOffset)
        let progress = try SharedMemory(byteCount: HDF5Worker.progressBytes, for: "the HDF5 worker's progress")
        var reply = try call(request(.snapshot), passing: progress.descriptor, path: "/",
                             reading: { HDF5Worker.notedPath(progress.pointer) })
        do {
            let snapshot = try HDF5Snapshot(&reply)
            self.snapshot = snapshot
            replies = snapshot.replies
        } catch {
            kill(pid, SIGKILL)
            let failure = StrataError(.corruptFile, "the HDF5 library failed reading '/': the file is corrupt")
            self.failure = failure
            throw failure
        }
    }

    /// Starts a worker and has it open the file.
    private static func start(_ executable: String, descriptor: Int32, fileSize: Int, imageOffset: Int?) throws -> (WireChannel, pid_t) {
        let (mine, theirs) = try WireChannel.pair()
        let pid = try spawn(executable, socket: theirs.fd, dataLimit: Swift.max(MemoryLimit.bytes, 256 << 20))
        var request = WireMessage()
        if let imageOffset {
            request.append(HDF5Operation.openImage.rawValue)
            request.append(imageOffset)
        } else {
            request.append(HDF5Operation.open.rawValue)
        }
        request.append(fileSize)
        do {
            try mine.send(request, passing: descriptor)
            var (reply, extra) = try mine.receive(timeout: startTimeout)
            if let extra { close(extra) }
            switch try reply.byte() {
            case 0: return (mine, pid)
            case 1: throw try reply.error()
            default: throw WireMessage.Malformed()
            }
        } catch let error as StrataError {
            kill(pid, SIGKILL)
            throw error
        } catch {
            kill(pid, SIGKILL)
            throw StrataError(.corruptFile, "the HDF5 library failed reading '/': the file is corrupt")
        }
    }

    deinit {
        // Closing the socket ends a healthy worker; the kill covers one that is not.
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    private static func spawn(_ executable: String, socket: Int32, dataLimit: Int) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, socket, 3)
        // The worker's own output (a crash report, libhdf5's messages) must not reach Strata's terminal.
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [executable, "hdf5-worker", "--socket", "3", "--data-limit", String(dataLimit)]
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"  // the worker runs no kernels; no thread pool to start
        environment["SWIFT_BACKTRACE"] = "enable=no"
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard status == 0 else {
            throw StrataError(.io, "cannot start the HDF5 worker '\(executable)': " + String(cString: strerror(status)))
        }
        return pid
    }

    /// Sends `request` and returns the reply's result fields, or throws the worker's `StrataError`.
    /// `reading`, if given, says which object the worker was reading when it failed (else `path`).
    private func call(_ request: WireMessage, passing descriptor: Int32? = nil, path: String,
                      timeout: Double = HDF5WorkerClient.requestTimeout, reading: (() -> String?)? = nil) throws -> WireMessage {
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
        let cacheable = descriptor == nil
        if cacheable, let reply = replies[request.bytes] { return try Self.result(reply) }
        do {
            try channel.send(request, passing: descriptor)
            let (reply, extra) = try channel.receive(timeout: timeout)
            if let extra { close(extra) }
            if cacheable { replies[request.bytes] = reply }
            return try Self.result(reply)
        } catch let error as StrataError {
            throw error
        } catch {
            kill(pid, SIGKILL)
            // A worker that failed is stuck or gone: it no longer writes what `reading` reads.
            let path = reading?() ?? path
            let failure: StrataError
            if case WireChannel.Failure.timeout = error {
                failure = StrataError(.corruptFile, "the HDF5 library did not finish reading '\(path)' within \(Int(timeout)) s: the file is corrupt")
            } else {
                failure = StrataError(.corruptFile, "the HDF5 library failed reading '\(path)': the file is corrupt")
            }
            self.failure = failure
            throw failure
        }
    }

    /// The result fields of `reply`, or the worker's error.
    private static func result(_ reply: WireMessage) throws -> WireMessage {
        var reply = reply
        switch try reply.byte() {
        case 0: return reply
        case 1: throw try reply.error()
        default: throw WireMessage.Malformed()
        }
    }

    private func request(_ operation: HDF5Operation, _ strings: String...) -> WireMessage {
        var message = WireMessage()
        message.append(operation.rawValue)
        for s in strings { message.append(s) }
        return message
    }

    private func flag(_ reply: WireMessage) throws -> Bool {
        var reply = reply
        return try reply.byte() != 0
    }

    // MARK: HDF5Access

    func exists(_ path: String) throws -> Bool {
        if let known = snapshot?.exists(path) { return known }
        return try guarded(path) { try flag(try call(request(.exists, path), path: path)) }
    }

    func kind(_ path: String) throws -> HDF5Reader.ObjectKind? {
        if snapshot?.exists(path) == false { return nil }
        return try guarded(path) {
            var reply = try call(request(.kind, path), path: path)
            let raw = Int(try reply.byte())
            return raw == 0 ? nil : HDF5Reader.ObjectKind(rawValue: raw) ?? .other
        }
    }

    func children(_ path: String) throws -> [String] {
        try guarded(path) {
            var reply = try call(request(.children, path), path: path)
            return try reply.strings()
        }
    }

    func hasAttribute(_ path: String, _ name: String) throws -> Bool {
        if let known = snapshot?.hasAttribute(path, name) { return known }
        return try guarded(path) { try flag(try call(request(.hasAttribute, path, name), path: path)) }
    }

    func strings(_ path: String, _ name: String) throws -> [String] {
        try guarded(path) {
            var reply = try call(request(.strings, path, name), path: path)
            return try reply.strings()
        }
    }

    func datasetInfo(_ path: String) throws -> HDF5DatasetInfo {
        try guarded(path) {
            var reply = try call(request(.datasetInfo, path), path: path)
            let shape = try reply.ints()
            guard let dtype = DType(rawValue: try reply.string()), dtype == .float32 || dtype == .int64 else {
                throw WireMessage.Malformed()
            }
            let byteCount = try reply.int()
            let offset = try reply.optionalOffset()
            // What the worker claims is checked like a header: the sizes must agree, and values used in
            // place must lie inside the file.
            guard let count = shape.checkedElementCount, CheckedArithmetic.product(count, dtype.byteSize) == byteCount,
                  offset.map({ CheckedArithmetic.sum($0, byteCount).map { $0 <= fileSize } ?? false }) ?? true
            else {
                throw WireMessage.Malformed()
            }
            return HDF5DatasetInfo(shape: shape, dtype: dtype, byteCount: byteCount, fileOffset: offset)
        }
    }

    func tensor(_ path: String, info: HDF5DatasetInfo) throws -> Tensor {
        guard info.byteCount > 0 else { return try Tensor(dtype: info.dtype, shape: info.shape) }
        let memory = try SharedMemory(byteCount: info.byteCount, for: ValueType(info.dtype, concrete: info.shape).description)
        var message = request(.read, path)
        message.append(info.shape)
        message.append(info.dtype.rawValue)
        message.append(info.byteCount)
        message.append(info.fileOffset ?? -1)
        try guarded(path) {
            _ = try call(message, passing: memory.descriptor, path: path,
                         timeout: Self.requestTimeout + Double(info.byteCount) / Self.readRate)
        }
        memory.closeDescriptor()
        return Tensor(dtype: info.dtype, shape: info.shape,
                      storage: TensorStorage(borrowing: memory.pointer, byteCount: info.byteCount, owner: memory))
    }

    /// `body`, with a malformed reply turned into the worker failure it means.
    private func guarded<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch is WireMessage.Malformed {
            lock.lock()
            defer { lock.unlock() }
            kill(pid, SIGKILL)
            let failure = StrataError(.corruptFile, "the HDF5 library failed reading '\(path)': the file is corrupt")
            self.failure = failure
            throw failure
        }
    }
}

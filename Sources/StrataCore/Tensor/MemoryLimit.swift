import Foundation
import Synchronization

/// The most bytes of tensor storage the process may hold at once, checked before every allocation
/// sized by a shape (`TensorStorage(byteCount:)`), so that a size a file merely claims is refused
/// with an error instead of being allocated.
///
/// The default is the smallest of the machine's physical memory, the address-space and data-segment
/// limits (`getrlimit(RLIMIT_AS)`, `getrlimit(RLIMIT_DATA)`) and the memory limit of the process's
/// cgroup (v2 `memory.max`, v1 `memory.limit_in_bytes`, on the process's own cgroup and each one above
/// it). `strata --max-memory SIZE` replaces it for one command.
public enum MemoryLimit {
    /// The limit in effect, in bytes.
    public static var bytes: Int { state.withLock { $0.limit } }

    /// Bytes of owned tensor storage alive now.
    public static var inUse: Int { state.withLock { $0.inUse } }

    /// Replaces the limit; returns the previous one (to restore it).
    @discardableResult
    public static func set(_ bytes: Int) -> Int {
        state.withLock { state in
            let previous = state.limit
            state.limit = Swift.max(0, bytes)
            return previous
        }
    }

    /// The default limit and what set it (`physical memory`, `RLIMIT_AS`, `cgroup memory.max` …).
    public static let systemDefault: (bytes: Int, source: String) = {
        var best = (bytes: Int(clamping: ProcessInfo.processInfo.physicalMemory), source: "physical memory")
        func consider(_ value: Int?, _ source: String) {
            if let value, value > 0, value < best.bytes { best = (value, source) }
        }
        consider(resourceLimit(RLIMIT_AS_VALUE), "RLIMIT_AS")
        consider(resourceLimit(RLIMIT_DATA_VALUE), "RLIMIT_DATA")
        if let (value, file) = cgroupLimit() { consider(value, file) }
        return best
    }()

    /// Takes `byteCount` bytes of the limit for an allocation about to be made, or throws
    /// `.resourceLimit` naming `what` (e.g. `float32[1024, 1024]`) without taking anything.
    public static func reserve(_ byteCount: Int, for what: @autoclosure () -> String) throws {
        let failure: (limit: Int, inUse: Int)? = state.withLock { state in
            let (total, overflow) = state.inUse.addingReportingOverflow(byteCount)
            if overflow || total > state.limit { return (state.limit, state.inUse) }
            state.inUse = total
            return nil
        }
        guard let failure else { return }
        var message = "\(what()) needs \(describe(bytes: byteCount)), more than the memory limit of \(describe(bytes: failure.limit))"
        if failure.inUse > 0 && byteCount <= failure.limit {
            message = "\(what()) needs \(describe(bytes: byteCount)), but \(describe(bytes: failure.inUse)) of the memory limit of "
                + "\(describe(bytes: failure.limit)) is in use"
        }
        throw StrataError(.resourceLimit, message + " (--max-memory changes the limit)")
    }

    /// Gives back what `reserve` took.
    public static func release(_ byteCount: Int) {
        state.withLock { $0.inUse -= byteCount }
    }

    /// Counts an allocation that is made whatever the limit (bytes copied from values already in memory).
    static func record(_ byteCount: Int) {
        state.withLock { $0.inUse &+= byteCount }
    }

    /// Parses a size as the command line gives it: a number of bytes, optionally with a binary unit
    /// `K`, `M`, `G`, `T` (optionally followed by `B` or `iB`), e.g. `8G`, `512M`, `1.5G`, `4096`.
    /// Nil when the text is not such a size, is not positive, or does not fit in `Int`.
    public static func parse(_ text: String) -> Int? {
        var body = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where body.hasSuffix(suffix) && body.count > suffix.count {
            body.removeLast(suffix.count)
            break
        }
        var scale: Double = 1
        if let unit = body.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(unit)] {
            scale = pow(1024, Double(power))
            body.removeLast()
        }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let number = Double(body), number.isFinite, number > 0
        else { return nil }
        let value = (number * scale).rounded(.down)
        guard value >= 1, value < Double(Int.max) else { return nil }
        return Int(value)
    }

    /// `512 bytes`, `3.0 KiB`, `8.0 GiB`, `4.0 TiB`.
    public static func describe(bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) bytes" }
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return String(format: "%.1f %@", value, units[unit])
    }

    private struct State {
        var limit: Int
        var inUse: Int
    }

    private static let state = Mutex(State(limit: systemDefault.bytes, inUse: 0))

    #if canImport(Glibc)
    private static let RLIMIT_AS_VALUE = __rlimit_resource_t(RLIMIT_AS.rawValue)
    private static let RLIMIT_DATA_VALUE = __rlimit_resource_t(RLIMIT_DATA.rawValue)
    private typealias Resource = __rlimit_resource_t
    #else
    private static let RLIMIT_AS_VALUE = RLIMIT_AS
    private static let RLIMIT_DATA_VALUE = RLIMIT_DATA
    private typealias Resource = Int32
    #endif

    /// The soft limit of `resource`, nil when unlimited.
    private static func resourceLimit(_ resource: Resource) -> Int? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        // RLIM_INFINITY is all ones, a macro Swift cannot import.
        guard limit.rlim_cur != rlim_t.max else { return nil }
        return Int(clamping: limit.rlim_cur)
    }

    /// The smallest memory limit on the process's cgroup and the cgroups above it, with the file
    /// that set it; nil when none is set (or the files cannot be read).
    static func cgroupLimit(procSelfCgroup: String = "/proc/self/cgroup", root: String = "/sys/fs/cgroup") -> (Int, String)? {
        var candidates: [String] = []
        if let membership = try? String(contentsOfFile: procSelfCgroup, encoding: .utf8) {
            for line in membership.split(separator: "\n") {
                let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                guard fields.count == 3 else { continue }
                let controllers = fields[1].split(separator: ",")
                var path = String(fields[2])
                let file: String
                let base: String
                if fields[0] == "0" && controllers.isEmpty {
                    (base, file) = (root, "memory.max")
                } else if controllers.contains("memory") {
                    (base, file) = (root + "/memory", "memory.limit_in_bytes")
                } else {
                    continue
                }
                // Every cgroup from the process's own up to the hierarchy's root limits it.
                while true {
                    candidates.append(base + (path == "/" ? "" : path) + "/" + file)
                    guard path != "/", let slash = path.lastIndex(of: "/") else { break }
                    path = slash == path.startIndex ? "/" : String(path[..<slash])
                }
            }
        }
        candidates += [root + "/memory.max", root + "/memory/memory.limit_in_bytes"]
        var best: (Int, String)?
        for file in candidates {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            // "max" (v2) means no limit; v1 writes a huge number instead.
            guard let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), value > 0,
                  value < Int.max / 2
            else { continue }
            if best == nil || value < best!.0 { best = (value, "cgroup " + file) }
        }
        return best
    }
}

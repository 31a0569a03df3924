import CStrataKernels

/// How much of its core one of the pool's threads got while it wanted one (spinning or running
/// chunks), over a window of at least `window`: the evidence `WorkerPool` needs before it stops
/// using its workers.
///
/// A preemption alone is not enough. On a machine where another process takes a quarter of one
/// core (a background job, a hypervisor's other guest), each of the pool's threads is preempted
/// now and then but still gets most of its core, and two threads stay far faster than one
/// (ResNet-50 at 2 threads under such a load: 72 ms when every preemption sent the pool to one
/// thread, 48 ms without, onnxruntime 51). Where every core is busy, a thread gets about half its
/// core or less, and one thread is faster (the loops stop waiting for preempted workers).
struct CoreShare {
    /// Below this share of its core over a window, a thread counts as sharing its core.
    static let minimumShare = 0.6
    /// The shortest window a share is judged over: long enough that one preemption of a few
    /// milliseconds in a mostly free core does not decide it.
    static let window: UInt64 = 10_000_000
    /// A window longer than this is not judged but restarted: the thread may have been idle in it
    /// (a caller between runs), not waiting for a core.
    static let stale: UInt64 = 100 * window

    private var wall: UInt64
    private var cpu: Int64

    /// A window starting now, for the calling thread.
    init() {
        self.init(wall: WorkerPool.now(), cpu: strata_thread_cpu_nanoseconds())
    }

    init(wall: UInt64, cpu: Int64) {
        self.wall = wall
        self.cpu = cpu
    }

    /// After a preemption seen at `now`, the thread's CPU time then being `cpuNow` (-1: no such
    /// clock): whether it got less than `minimumShare` of its core since the window began. A window
    /// shorter than `window` is left running (nothing decided yet); a judged or stale one restarts.
    mutating func isShort(at now: UInt64, cpu cpuNow: Int64) -> Bool {
        let elapsed = now &- wall
        if elapsed < Self.window { return false }
        defer { (wall, cpu) = (now, cpuNow) }
        if elapsed > Self.stale { return false }
        // Without a CPU clock every judged preemption counts, as before shares were measured.
        guard cpu >= 0, cpuNow >= 0 else { return true }
        return Double(cpuNow - cpu) < Self.minimumShare * Double(elapsed)
    }

    /// Starts the window again now (a loop from another calling thread).
    mutating func restart() {
        self = CoreShare()
    }

    /// Leaves the time from `start` to `end` out of the window: the thread slept then and did not
    /// want its core (it used no CPU time either). A worker's window thus spans many short bursts of
    /// work when loops come one by one with pauses between them.
    mutating func exclude(from start: UInt64, to end: UInt64) {
        wall &+= end &- start
    }
}

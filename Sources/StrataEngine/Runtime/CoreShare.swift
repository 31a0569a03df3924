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
///
/// Where the scheduler says how long the thread waited in its run queue (Linux's schedstat), the
/// share is its time on the core against that time plus its wait: only another runnable thread
/// makes a thread wait there. Time off the core without waiting in the queue (blocked, or its
/// virtual CPU held by the hypervisor) is no sign of other work that one thread fewer would
/// leave room for. Judged by CPU time against wall time, as before, a few milliseconds of a
/// virtual CPU taken by the host in a 10 ms window counted as contention and put the pool on one
/// thread for a hold: on the project's VM one judgment found 4.3 ms of CPU time in 10.4 ms from a
/// thread that had waited 0.46 ms in its run queue in its whole life (`Docs/Benchmarks.md`, "The
/// pool's judgment of contention"). CPU time against wall time remains the measure where there is
/// no schedstat (macOS).
struct CoreShare {
    /// A thread's times so far, in nanoseconds: `ran` on a core (its CPU clock), `waited` runnable
    /// but waiting for one (the scheduler's). -1 where the system does not say (`waited` without
    /// schedstat; `ran` without even a CPU clock).
    struct Sample: Sendable {
        var ran: Int64
        var waited: Int64
    }

    /// Below this share of its core over a window, a thread counts as sharing its core.
    static let minimumShare = 0.6
    /// The shortest window a share is judged over: long enough that one preemption of a few
    /// milliseconds in a mostly free core does not decide it, nor the start of a thread. Linux
    /// starts a new thread, and may wake a sleeping one, on the core of the thread that started or
    /// woke it, and moves it to a free core only at its next balancing: 0.1-13 ms later on the
    /// project's VM (two threads spinning from their start, a C test). Judged over 10 ms, that
    /// half-share alone could put the pool on one thread for a hold.
    static let window: UInt64 = 40_000_000
    /// A window longer than this is not judged but restarted: the thread may have been idle in it
    /// (a caller between runs), not waiting for a core.
    static let stale: UInt64 = 100 * window
    /// The least wait in the run queue over a judged window for a thread to count as short of its
    /// core: each wake-up from sleep waits some microseconds before the thread runs (tens on a
    /// virtual machine), and a worker woken for a few short loops must not look contended.
    static let leastWait = Int64(window / 4)

    private var wall: UInt64
    private var start: Sample

    /// A window starting now, for the calling thread.
    init() {
        self.init(wall: WorkerPool.now(), sample: Self.sample())
    }

    init(wall: UInt64, sample: Sample) {
        self.wall = wall
        self.start = sample
    }

    /// The calling thread's times now: its CPU clock, and the scheduler's wait where it says it.
    /// A few microseconds (a file read), so it is read only when a window is judged.
    static func sample() -> Sample {
        Sample(ran: Int64(strata_thread_cpu_nanoseconds()), waited: Int64(strata_thread_wait_nanoseconds()))
    }

    /// After a preemption seen at `now`, the thread's times then being `sample`: whether it got
    /// less than `minimumShare` of its core since the window began. A window shorter than
    /// `window` is left running (nothing decided yet, and `sample` is not read); a judged or
    /// stale one restarts.
    mutating func isShort(at now: UInt64, sample: @autoclosure () -> Sample = CoreShare.sample()) -> Bool {
        let elapsed = now &- wall
        if elapsed < Self.window { return false }
        let current = sample()
        defer { (wall, start) = (now, current) }
        if elapsed > Self.stale { return false }
        if start.waited >= 0, current.waited >= 0, start.ran >= 0, current.ran >= 0 {
            let ran = current.ran - start.ran, waited = current.waited - start.waited
            return waited >= Self.leastWait && Double(ran) < Self.minimumShare * Double(ran + waited)
        }
        // Without a CPU clock every judged preemption counts, as before shares were measured.
        guard start.ran >= 0, current.ran >= 0 else { return true }
        return Double(current.ran - start.ran) < Self.minimumShare * Double(elapsed)
    }

    /// Starts the window again now (a loop from another calling thread).
    mutating func restart() {
        self = CoreShare()
    }

    /// Leaves the time from `start` to `end` out of the window: the thread slept then and did not
    /// want its core (it used no CPU time either). A worker's window thus spans many short bursts of
    /// work when loops come one by one with pauses between them. (The scheduler's wait leaves sleep
    /// out by itself; this is for the CPU-time measure.)
    mutating func exclude(from start: UInt64, to end: UInt64) {
        wall &+= end &- start
    }
}

import CStrataKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Threads that stay alive between parallel loops, so that a loop costs a store and a few cache
/// misses instead of waking a thread through the kernel.
///
/// Mobile networks run a few hundred short parallel ops per inference; waking a sleeping thread for
/// each (what `DispatchQueue.concurrentPerform` does) cost about 15 % of the run time. Workers
/// therefore spin for a short while after each loop, waiting for the next, and only then sleep on
/// a condition variable.
///
/// Spinning is only right while the pool has the cores to itself. On a busy machine a spinning
/// thread takes a time slice from a process with work to do, and a worker the OS preempted while
/// it holds a chunk stalls the whole loop. So a spinning thread watches the clock: a gap of more
/// than `preemptionGap` between two looks means the OS ran something else on its core. A thread
/// whose chunks took more than `preemptionLoss` may have waited for a core while it ran them: most
/// preemptions hit a thread that computes, not one that spins.
/// After either, the thread looks at the share of its core it got over the last
/// `CoreShare.window` or more (its time on the core against that and its wait in the run queue,
/// where the system says it); below `CoreShare.minimumShare` the pool counts as *contended* for
/// a hold (`nextHold`: `contentionHold`, longer when contention comes straight back). A core taken
/// now and then by another process, as on a shared virtual machine, leaves the threads most of
/// their cores, and several threads stay faster than one.
/// While contended, loops run on the caller alone and
/// the workers sleep: a process that gets about one core's worth of time (other processes keep
/// every core busy, and Linux gives each session an equal share) is fastest on one thread, and a
/// worker preempted in the middle of its chunk would hold up the whole loop. When the hold ends the
/// workers are used again, and the pool is marked contended again at the next preemption.
///
/// A loop is published as one 64-bit ticket: generation, chunk count and next chunk index. Threads
/// claim chunks by compare-and-swap on the whole ticket, so a late worker still holding an old
/// generation can never claim a chunk of a newer loop, and the caller waits only for chunks that
/// were claimed, never for a worker that has not woken up (it runs the unclaimed chunks itself).
/// Chunk 0 is always the caller's, so that at two threads each thread computes the same part of
/// every loop's range.
/// A loop started while another is running (a nested `parallelFor`, or a second engine on another
/// thread) runs on the calling thread alone.
final class WorkerPool: @unchecked Sendable {
    /// The process-wide pool; it grows to the largest thread count any context asked for.
    static let shared = WorkerPool()

    /// How long an idle worker spins before it sleeps (and the caller waits for claimed chunks
    /// before it sleeps), on an uncontended machine.
    private static let spinNanoseconds: UInt64 = 1_000_000
    /// A spinning thread that saw more time than this pass between two looks at the clock (a few
    /// microseconds of `pause` apart) was preempted.
    private static let preemptionGap: UInt64 = 100_000
    /// How long a thread's chunks may take before it looks at its share of the core: far above the
    /// microseconds the kernel's own threads take on an idle machine, below the milliseconds a busy
    /// machine's scheduler gives each process.
    private static let preemptionLoss: UInt64 = 500_000
    /// How long the pool stays contended after a thread found itself short of its core, when it
    /// had not been contended for a while.
    static let contentionHold: UInt64 = 200_000_000
    /// The longest hold (`nextHold`).
    static let longestHold: UInt64 = 16 * contentionHold
    /// The hold the last contention started.
    private let hold = Atomic<UInt64>(WorkerPool.contentionHold)
    private static let countShift: UInt64 = 20, generationShift: UInt64 = 40
    private static let fieldMask: UInt64 = (1 << 20) - 1

    private let ticket = Atomic<UInt64>(0)
    private let completed = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let workerCount = Atomic<Int>(0)
    /// The most workers the system let the pool start: set when thread creation fails, so that later
    /// loops run on the workers there are instead of trying again (and failing again) every time.
    private let ceiling = Atomic<Int>(Int.max)
    /// `now()` until which the pool counts as contended (see the type's comment).
    private let contendedUntil = Atomic<UInt64>(0)
    /// The calling thread's share of its core (`CoreShare`), and that thread; only the thread
    /// holding `busy` uses them. A loop from another thread starts the window again.
    private var callerShare = CoreShare()
    private var callerThread: pthread_t?
    /// Set by a caller about to sleep until its loop's chunks complete.
    private let callerWaiting = Atomic<Bool>(false)
    /// Loops that asked for several threads, and those of them that ran on the caller alone because
    /// the pool was contended: `strata bench` reports both, so a slow multi-threaded time on a busy
    /// (or virtualised) machine can be told apart from a slow kernel.
    let requestedLoops = Atomic<Int>(0), contendedLoops = Atomic<Int>(0)

    // Written by the caller before the ticket is published and read by a worker only after it
    // claimed a chunk of that ticket; the caller does not return, nor change it, before every
    // claimed chunk completed.
    private var body: ((Int) -> Void)?

    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    private let finished: UnsafeMutablePointer<pthread_cond_t>

    /// `shared` is the pool kernels use; a test that needs a pool no other test has grown makes its own.
    init() {
        lock = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        finished = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(finished, nil)
    }

    /// Whether a thread of this pool was preempted within the current hold: other processes
    /// want the cores, so nobody should spin.
    var isContended: Bool { Self.now() < contendedUntil.load(ordering: .relaxed) }

    /// Marks the pool contended from now for at least `nanoseconds` (a test), or for the next hold
    /// (`nextHold`: a preemption seen).
    func markContended(for nanoseconds: UInt64? = nil) {
        let now = Self.now()
        if let nanoseconds {
            contendedUntil.max(now &+ nanoseconds, ordering: .relaxed)
            return
        }
        let until = contendedUntil.load(ordering: .relaxed)
        // A thread still in a chunk it began before another marked the pool: the hold stands.
        if until > now { return }
        let length = Self.nextHold(after: hold.load(ordering: .relaxed), sinceItEnded: until == 0 ? nil : now &- until)
        hold.store(length, ordering: .relaxed)
        contendedUntil.max(now &+ length, ordering: .relaxed)
    }

    /// The hold after one of `previous` that ended `sinceItEnded` ago (nil: none ended yet). Each
    /// end of a hold tries the workers again, and under a lasting load the first preemption takes
    /// a judged window (`CoreShare.window`) or more of loops waiting for preempted workers to
    /// notice (with a fixed 200 ms hold, one `Tools/bench --under-load` run had 2 threads 4-12 %
    /// slower than 1 thread on three models; `Docs/Benchmarks.md`). Contention back within one
    /// hold of the last one's end doubles the hold, up to `longestHold`; after a quiet hold's
    /// length it starts again from `contentionHold`, so that a pool freed of its load goes back to
    /// its threads soon.
    static func nextHold(after previous: UInt64, sinceItEnded: UInt64?) -> UInt64 {
        guard let since = sinceItEnded, since < previous else { return contentionHold }
        return Swift.min(previous &* 2, longestHold)
    }

    /// Ends a contended period now (for tests).
    func clearContention() {
        contendedUntil.store(0, ordering: .relaxed)
    }

    /// Runs `body(i)` for every `i` in `0..<chunks` on the caller and up to `threads − 1` workers
    /// (on the caller alone while the pool is contended); returns when all have finished.
    func run(chunks: Int, threads: Int, _ body: (Int) -> Void) {
        guard chunks > 1, UInt64(chunks) <= Self.fieldMask, threads > 1, !isContended,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for i in 0..<chunks { body(i) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        let me = pthread_self()
        if callerThread.map({ pthread_equal($0, me) == 0 }) ?? true {
            callerThread = me
            callerShare.restart()
        }
        grow(to: threads - 1)
        withoutActuallyEscaping(body) { body in
            self.body = body
            completed.store(0, ordering: .relaxed)
            let generation = ((ticket.load(ordering: .relaxed) >> Self.generationShift) &+ 1) & ((1 << 24) - 1)
            // Chunk 0 is the caller's before the workers look: whoever claimed first had it, so which
            // core computed which part of a tensor changed from one loop to the next, and a loop
            // reading what the previous one wrote (a depthwise layer after its expansion) read half
            // of it from the other core's cache. 960 × 7 × 7 depthwise layers after their expansion
            // took 0.046 ms at one thread and 0.049 at two.
            let published = generation << Self.generationShift | UInt64(chunks) << Self.countShift | 1
            ticket.store(published, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(lock)
                pthread_cond_broadcast(wake)
                pthread_mutex_unlock(lock)
            }
            runChunksWatchingPreemption(generation: generation, first: 0, share: &callerShare)
            waitForCompletion(of: chunks)
            self.body = nil
        }
    }

    /// Returns when `chunks` chunks completed: spins while the pool is uncontended (for at most
    /// `spinNanoseconds`), then sleeps until the worker finishing the last chunk signals.
    private func waitForCompletion(of chunks: Int) {
        if completed.load(ordering: .acquiring) >= chunks { return }
        if !isContended, spin(until: { self.completed.load(ordering: .acquiring) >= chunks }, share: &callerShare) { return }
        // Asleep, the caller does not want its core, as a sleeping worker does not: that time is
        // left out of its share. Counted in, one worker held up a few milliseconds (a virtual
        // machine's core taken by the host) made the caller's share look halved, and the pool went
        // to one thread for a hold.
        let asleep = Self.now()
        defer { callerShare.exclude(from: asleep, to: Self.now()) }
        pthread_mutex_lock(lock)
        callerWaiting.store(true, ordering: .sequentiallyConsistent)
        while completed.load(ordering: .sequentiallyConsistent) < chunks {
            pthread_cond_wait(finished, lock)
        }
        callerWaiting.store(false, ordering: .relaxed)
        pthread_mutex_unlock(lock)
    }

    /// Spins until `done()` holds (true), `spinNanoseconds` passed, or the thread was preempted and
    /// found short of its core (false; the pool is then marked contended).
    private func spin(until done: () -> Bool, share: inout CoreShare) -> Bool {
        let start = Self.now()
        var last = start, spins = 0
        while true {
            if done() { return true }
            strata_cpu_relax()
            spins += 1
            if spins & 255 == 0 {
                let now = Self.now()
                if now &- last > Self.preemptionGap, share.isShort(at: now) {
                    markContended()
                    return false
                }
                if now &- start > Self.spinNanoseconds { return false }
                last = now
            }
        }
    }

    /// Claims and runs chunks of loop `generation` until none is left or a newer loop is published.
    /// Runs chunk `first` (the caller's own) if given, then claims chunks of loop `generation`
    /// until none is left.
    private func runChunks(generation: UInt64, first: Int?) {
        var current = ticket.load(ordering: .acquiring)
        if let first {
            body?(first)
            completeChunk(of: Int((current >> Self.countShift) & Self.fieldMask))
            current = ticket.load(ordering: .acquiring)
        }
        while current >> Self.generationShift == generation {
            let index = current & Self.fieldMask, count = (current >> Self.countShift) & Self.fieldMask
            guard index < count else { return }
            let (exchanged, original) = ticket.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged {
                body?(Int(index))
                completeChunk(of: Int(count))
                current = ticket.load(ordering: .acquiring)
            } else {
                current = original
            }
        }
    }

    /// Counts a chunk of a loop of `count` done. The last wakes a caller that went to sleep waiting
    /// for it: both sides store then load sequentially consistently, so one of them sees the other,
    /// and no wake-up is lost.
    private func completeChunk(of count: Int) {
        if completed.add(1, ordering: .sequentiallyConsistent).newValue == count, callerWaiting.load(ordering: .sequentiallyConsistent) {
            pthread_mutex_lock(lock)
            pthread_cond_broadcast(finished)
            pthread_mutex_unlock(lock)
        }
    }

    /// Starts workers until there are `count` (at most `EngineOptions.maxThreads − 1`, and never more
    /// than once failed to start). Called only by the thread holding `busy`.
    private func grow(to wanted: Int) {
        let count = Swift.min(wanted, EngineOptions.maxThreads - 1, ceiling.load(ordering: .relaxed))
        while workerCount.load(ordering: .relaxed) < count {
            let seen = ticket.load(ordering: .relaxed) >> Self.generationShift
            let box = Unmanaged.passRetained(WorkerStart(pool: self, seen: seen)).toOpaque()
            var thread = pthread_t()
            guard pthread_create(&thread, nil, { raw in
                let start = Unmanaged<WorkerStart>.fromOpaque(raw!).takeRetainedValue()
                start.pool.work(seen: start.seen)
                return nil
            }, box) == 0 else {
                Unmanaged<WorkerStart>.fromOpaque(box).release()
                // Fewer workers than asked: the loops still complete, on fewer threads.
                ceiling.store(workerCount.load(ordering: .relaxed), ordering: .relaxed)
                return
            }
            pthread_detach(thread)
            workerCount.add(1, ordering: .relaxed)
        }
    }

    private func work(seen start: UInt64) {
        var seen = start
        var share = CoreShare()
        while true {
            seen = waitForLoop(after: seen, share: &share)
            runChunksWatchingPreemption(generation: seen, share: &share)
        }
    }

    /// `runChunks`, marking the pool contended when the chunks took more than `preemptionLoss` and
    /// the thread's share of its core (`CoreShare`) is short. Only then, and only once a window is
    /// long enough to judge, are the thread's times read: a system call (0.66 µs for the CPU clock
    /// on the project's VM, a few µs for the scheduler's file, against 24 ns for the wall clock);
    /// the CPU clock read before every loop held back each thread's first chunk by that much, on
    /// both threads of every parallel loop (MobileNetV2 runs about a hundred a run).
    private func runChunksWatchingPreemption(generation: UInt64, first: Int? = nil, share: inout CoreShare) {
        let start = Self.now()
        runChunks(generation: generation, first: first)
        let now = Self.now()
        guard now &- start > Self.preemptionLoss else { return }
        if share.isShort(at: now) { markContended() }
    }

    /// Spins (unless the pool is contended), then sleeps, until a loop newer than `seen` is
    /// published; returns its generation.
    private func waitForLoop(after seen: UInt64, share: inout CoreShare) -> UInt64 {
        if !isContended, spin(until: { self.ticket.load(ordering: .acquiring) >> Self.generationShift != seen }, share: &share) {
            return ticket.load(ordering: .acquiring) >> Self.generationShift
        }
        // Asleep, the thread does not want its core: that time is left out of its share.
        let asleep = Self.now()
        defer { share.exclude(from: asleep, to: Self.now()) }
        pthread_mutex_lock(lock)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        var current = ticket.load(ordering: .sequentiallyConsistent) >> Self.generationShift
        while current == seen {
            pthread_cond_wait(wake, lock)
            current = ticket.load(ordering: .sequentiallyConsistent) >> Self.generationShift
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(lock)
        return current
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

/// What a new worker thread is started with.
private final class WorkerStart {
    let pool: WorkerPool
    let seen: UInt64
    init(pool: WorkerPool, seen: UInt64) {
        self.pool = pool
        self.seen = seen
    }
}

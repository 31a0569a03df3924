import Synchronization

/// The `PoolSchedule` of one engine's runs for one list of requested tensors, shared by runs that
/// may start on several threads at once.
final class PoolChoice: Sendable {
    private let schedule: Mutex<PoolSchedule>
    /// Runs made with fewer threads than the engine has, trials included.
    private let fewerThreadRuns = Atomic<Int>(0)

    init(threads: Int) {
        schedule = Mutex(PoolSchedule(threads: threads))
    }

    /// The threads of the next run and whether its time counts (see `PoolSchedule.next`).
    func begin() -> (threads: Int, timed: Bool) {
        let (next, most) = schedule.withLock { ($0.next, $0.counts[0]) }
        if next.threads < most { fewerThreadRuns.add(1, ordering: .relaxed) }
        return next
    }

    /// Records a finished run begun with `threads`. A run that overlapped another one may find the
    /// schedule moved on; its time then describes no one count and is dropped.
    func end(threads: Int, seconds: Double) {
        schedule.withLock { schedule in
            if schedule.next.threads == threads { schedule.record(seconds: seconds) }
        }
    }

    var state: (threads: Int, settled: Bool, fewerThreadRuns: Int) {
        let (threads, settled) = schedule.withLock { ($0.threads, $0.isSettled) }
        return (threads, settled, fewerThreadRuns.load(ordering: .relaxed))
    }
}

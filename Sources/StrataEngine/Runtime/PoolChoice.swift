import Synchronization

/// The `PoolSchedule`s of one engine's runs for one list of requested tensors, one per set of
/// input shapes, shared by runs that may start on several threads at once.
///
/// A run's time depends on its inputs' shapes (a dataset's last, smaller batch; sequences of any
/// length), and a trial compared across shapes would compare the inputs rather than the thread
/// counts. So each set of shapes has its own schedule; a model fed one shape, the usual case, has
/// one.
final class PoolChoice: Sendable {
    private struct State: Sendable {
        var schedules: [[[Int]]: PoolSchedule] = [:]
        /// Shape sets in the order their schedules were made, for dropping the oldest.
        var made: [[[Int]]] = []
        /// The shapes of the latest run begun.
        var latest: [[Int]]?
    }

    /// More shape sets than this and the oldest schedule is dropped: inputs of ever new shapes
    /// (text of every length) must not grow the table without end.
    static let mostShapeSets = 16

    private let threads: Int
    private let table = Mutex(State())
    /// Runs made with fewer threads than the engine has, trials included.
    private let fewerThreadRuns = Atomic<Int>(0)

    init(threads: Int) {
        self.threads = threads
    }

    /// The threads of the next run on inputs of `shapes` and whether its time counts (see
    /// `PoolSchedule.next`).
    func begin(shapes: [[Int]]) -> (threads: Int, timed: Bool) {
        let next = table.withLock { state in
            state.latest = shapes
            if let schedule = state.schedules[shapes] { return schedule.next }
            if state.made.count == Self.mostShapeSets { state.schedules[state.made.removeFirst()] = nil }
            state.made.append(shapes)
            let schedule = PoolSchedule(threads: threads)
            state.schedules[shapes] = schedule
            return schedule.next
        }
        if next.threads < threads { fewerThreadRuns.add(1, ordering: .relaxed) }
        return next
    }

    /// Records a finished run on `shapes` begun with `threads`. A run that overlapped another one
    /// may find the schedule moved on; its time then describes no one count and is dropped.
    func end(shapes: [[Int]], threads: Int, seconds: Double) {
        table.withLock { state in
            guard var schedule = state.schedules[shapes], schedule.next.threads == threads else { return }
            schedule.record(seconds: seconds)
            state.schedules[shapes] = schedule
        }
    }

    /// The schedule of the latest run's shapes.
    var state: (threads: Int, settled: Bool, fewerThreadRuns: Int) {
        let schedule = table.withLock { state in state.latest.flatMap { state.schedules[$0] } } ?? PoolSchedule(threads: threads)
        return (schedule.threads, schedule.isSettled, fewerThreadRuns.load(ordering: .relaxed))
    }
}

/// How many of the engine's threads a run spreads its kernels over, chosen by timing runs.
///
/// A thread pays only where handing it work costs less than the work it takes over. On a machine
/// where waking a thread on another core takes tens of microseconds (virtual CPUs whose host
/// deschedules them), a network of many small layers such as MobileNetV2 ran slower at two threads
/// than at one on one day's 2-vCPU VM, while ResNet-50 ran 1.8× faster; on a 16-core Xeon
/// MobileNetV2 ran fastest at 4 threads and twice as slow at 16. Neither the model nor the machine
/// says beforehand which count is best, so the engine measures. The counts tried are the engine's
/// threads and their halvings down to 1 (16, 8, 4, 2, 1). After one untimed run it times
/// `trialRuns` runs at the current count, then a trial of the same number at the next count down
/// (after one untimed run). A count `margin` faster than the current one (by median) is taken, and
/// the next count the same way is tried at once; otherwise the current count stays. A trial comes
/// again after `period` runs, the period doubling while the choice holds and starting again when
/// it changes, and alternating between the neighbour above and the one below, so that a machine
/// whose load changes is followed at little cost. Kernels give the same bits at any thread count,
/// so the choice changes only the time.
struct PoolSchedule: Sendable, Equatable {
    static let trialRuns = 3
    /// A count replaces the current one only when its median time is below this fraction of the
    /// current one's: within that, the two are alike and changing would follow noise.
    static let margin = 0.95
    static let firstPeriod = 32
    static let lastPeriod = 1024

    private enum Phase: Sendable, Equatable {
        /// The first run: plans built, buffers allocated and pages touched for the first time.
        case warming
        /// Running at the chosen count, timing each run; the next trial after `untilTrial` more runs.
        case settled(untilTrial: Int)
        /// Running at `counts[index]`; the first `untimed` runs are not timed.
        case trying(index: Int, untimed: Int)
    }

    /// The counts that may be chosen: the engine's threads, then halvings down to 1.
    let counts: [Int]
    /// The index in `counts` of the count runs use outside a trial.
    private(set) var chosen = 0
    /// Completed trials.
    private(set) var decisions = 0
    private var phase: Phase = .warming
    /// The last `trialRuns` times at the chosen count, oldest first.
    private var recent: [Double] = []
    /// The times of the running trial.
    private var trial: [Double] = []
    private var period = firstPeriod
    /// Whether the next periodic trial looks at the count above the chosen one.
    private var upward = true

    init(threads: Int) {
        var counts = [Swift.max(1, threads)]
        while counts[counts.count - 1] > 1 { counts.append(counts[counts.count - 1] / 2) }
        self.counts = counts
    }

    /// The threads runs use outside a trial.
    var threads: Int { counts[chosen] }

    /// Whether the first trials are over and no trial is running.
    var isSettled: Bool {
        if counts.count == 1 { return true }
        if case .settled = phase { return decisions > 0 }
        return false
    }

    /// The threads of the next run, and whether `record` will count its time.
    var next: (threads: Int, timed: Bool) {
        switch phase {
        case .warming: (threads, false)
        case .settled: (threads, true)
        case .trying(let index, let untimed): (counts[index], untimed == 0)
        }
    }

    /// Records the run `next` described, taking `seconds`.
    mutating func record(seconds: Double) {
        switch phase {
        case .warming:
            phase = .settled(untilTrial: counts.count > 1 ? Self.trialRuns : Int.max)
        case .settled(let untilTrial):
            recent.append(seconds)
            if recent.count > Self.trialRuns { recent.removeFirst() }
            if untilTrial > 1 || recent.count < Self.trialRuns {
                phase = .settled(untilTrial: untilTrial == Int.max ? untilTrial : Swift.max(0, untilTrial - 1))
                return
            }
            phase = .trying(index: neighbour(), untimed: 1)
        case .trying(let index, let untimed):
            if untimed > 0 {
                phase = .trying(index: index, untimed: untimed - 1)
                return
            }
            trial.append(seconds)
            guard trial.count == Self.trialRuns else { return }
            decisions += 1
            let times = trial
            trial = []
            let faster = Self.median(times) < Self.median(recent) * Self.margin
            guard faster else {
                period = Swift.min(2 * period, Self.lastPeriod)
                phase = .settled(untilTrial: period)
                return
            }
            let step = index - chosen
            chosen = index
            recent = times
            period = Self.firstPeriod
            // What paid one step may pay another: try the next count the same way at once.
            if counts.indices.contains(index + step) {
                phase = .trying(index: index + step, untimed: 1)
            } else {
                phase = .settled(untilTrial: period)
            }
        }
    }

    /// The count of the next trial: fewer threads first; then above and below in turn.
    private mutating func neighbour() -> Int {
        let above = chosen - 1, below = chosen + 1
        if decisions == 0 { return below }
        defer { upward.toggle() }
        if upward { return counts.indices.contains(above) ? above : below }
        return counts.indices.contains(below) ? below : above
    }

    static func median(_ times: [Double]) -> Double {
        let sorted = times.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

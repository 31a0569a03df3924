/// How many of the engine's threads a run spreads its kernels over, chosen by timing runs.
///
/// A thread pays only where handing it work costs less than the work it takes over. On a machine
/// where waking a thread on another core takes tens of microseconds (virtual CPUs whose host
/// deschedules them), a network of many small layers such as MobileNetV2 ran slower at two threads
/// than at one on one day's 2-vCPU VM, while ResNet-50 ran 1.8× faster; on a 16-core Xeon
/// MobileNetV2 ran fastest at 4 threads and twice as slow at 16. Neither the model nor the machine
/// says beforehand which count is best, so the engine measures. The counts tried are the engine's
/// threads and their halvings down to 1 (16, 8, 4, 2, 1). After one untimed run, a trial runs the
/// next count down once untimed, then `trialRuns` times each at that count and at the current one,
/// in turn, so that a burst of load from elsewhere (a virtual machine's host taking a core for some
/// milliseconds) falls on both alike rather than on one. A count `margin` faster than the current
/// one (by median) is taken, and the next count the same way is tried at once; otherwise the
/// current count stays. A trial comes again after `period` runs, the period doubling while the
/// choice holds and starting again when it changes, and alternating between the neighbour above
/// and the one below, so that a machine whose load changes is followed at little cost. Kernels give the same bits at any thread count,
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
        /// Running at the chosen count; the next trial after `untilTrial` more runs.
        case settled(untilTrial: Int)
        /// Trying `counts[index]`: one untimed run at it (`step` 0), then runs at it (odd steps) and
        /// at the chosen count (even steps) in turn.
        case trying(index: Int, step: Int)
    }

    /// The counts that may be chosen: the engine's threads, then halvings down to 1.
    let counts: [Int]
    /// The index in `counts` of the count runs use outside a trial.
    private(set) var chosen = 0
    /// Completed trials.
    private(set) var decisions = 0
    private var phase: Phase = .warming
    /// The running trial's times at the count tried and at the chosen count.
    private var trial: [Double] = []
    private var chosenTimes: [Double] = []
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
        case .warming, .settled: (threads, false)
        case .trying(let index, let step): (step == 0 || step % 2 == 1 ? counts[index] : threads, step > 0)
        }
    }

    /// Records the run `next` described, taking `seconds`.
    mutating func record(seconds: Double) {
        switch phase {
        case .warming:
            phase = counts.count > 1 ? .trying(index: neighbour(), step: 0) : .settled(untilTrial: Int.max)
        case .settled(let untilTrial):
            guard untilTrial != Int.max else { return }
            phase = untilTrial > 1 ? .settled(untilTrial: untilTrial - 1) : .trying(index: neighbour(), step: 0)
        case .trying(let index, let step):
            if step > 0 {
                if step % 2 == 1 { trial.append(seconds) } else { chosenTimes.append(seconds) }
            }
            guard chosenTimes.count == Self.trialRuns else {
                phase = .trying(index: index, step: step + 1)
                return
            }
            decisions += 1
            let faster = Self.median(trial) < Self.median(chosenTimes) * Self.margin
            trial = []
            chosenTimes = []
            guard faster else {
                period = Swift.min(2 * period, Self.lastPeriod)
                phase = .settled(untilTrial: period)
                return
            }
            let direction = index - chosen
            chosen = index
            period = Self.firstPeriod
            // What paid one step may pay another: try the next count the same way at once.
            phase = counts.indices.contains(index + direction) ? .trying(index: index + direction, step: 0) : .settled(untilTrial: period)
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

import Foundation

/// One thread's working memory for `ActivationStatistics.add`: partial counts, per-channel partials
/// and conversion buffers for one block. Instances are reused through `pool`; between uses the
/// histogram counters are all zero.
final class StatisticsScratch {
    /// Values per block: the unit of work, of the moments' two-pass evaluation and of splitting across threads.
    static let blockSize = 8192
    /// Interleaved histogram counters per bucket, so that runs of equal values (the zeros after a ReLU)
    /// do not wait on one counter's previous increment.
    static let lanes = 8
    /// Counters per lane: the buckets and the spare one, rounded up to whole cache lines.
    static let laneStride = (HistogramBuckets.spareBucket + 8) & ~7

    /// Lane `l`'s counter of bucket `j` (the buckets, then the spare one) at `l · laneStride + j`.
    let laneCounts: UnsafeMutablePointer<Int>
    let floats: UnsafeMutablePointer<Float>
    let doubles: UnsafeMutablePointer<Double>
    /// Per-channel maxima of values read as double, and of values read as float32.
    private(set) var channelMax: UnsafeMutablePointer<Double>
    private(set) var channelMaxFloat: UnsafeMutablePointer<Float>
    private(set) var saturated: UnsafeMutablePointer<Int>
    private var channelCapacity = 0

    var nan = 0, inf = 0, zeros = 0, negative = 0
    var minimum = Double.infinity, maximum = -Double.infinity
    /// Set by a pass that derived a clamp's statistics into this scratch (`Derivation`) and met NaN or
    /// ±∞: the derived partials are then incomplete.
    var lostDerivation = false

    private init() {
        let counters = Self.laneStride * Self.lanes
        laneCounts = .allocate(capacity: counters)
        laneCounts.initialize(repeating: 0, count: counters)
        floats = .allocate(capacity: Self.blockSize)
        doubles = .allocate(capacity: Self.blockSize)
        channelMax = .allocate(capacity: 1)
        channelMaxFloat = .allocate(capacity: 1)
        saturated = .allocate(capacity: 1)
    }

    deinit {
        laneCounts.deallocate()
        floats.deallocate()
        doubles.deallocate()
        channelMax.deallocate()
        channelMaxFloat.deallocate()
        saturated.deallocate()
    }

    /// Clears the scalar partials and sizes the per-channel ones for `channels` channels.
    private func reset(channels: Int) {
        nan = 0
        inf = 0
        lostDerivation = false
        zeros = 0
        negative = 0
        minimum = .infinity
        maximum = -.infinity
        if channels > channelCapacity {
            channelMax.deallocate()
            channelMaxFloat.deallocate()
            saturated.deallocate()
            channelMax = .allocate(capacity: channels)
            channelMaxFloat = .allocate(capacity: channels)
            saturated = .allocate(capacity: channels)
            channelCapacity = channels
        }
        channelMax.update(repeating: -.infinity, count: channels)
        channelMaxFloat.update(repeating: -.infinity, count: channels)
        saturated.update(repeating: 0, count: channels)
    }

    /// Adds the partials to `stats` and zeroes the histogram counters it used (those between the
    /// buckets of the smallest and largest finite value seen, and the spare bucket of NaN and ±∞).
    func fold(into stats: inout ActivationStatistics, channels: Int) {
        foldCounts(into: &stats)
        foldHistogram { j, n in stats.histogram.add(n, toBucket: j) }
        foldChannels(into: &stats, channels: channels)
    }

    /// `fold` after a pass that derived the statistics of `clamp.apply(x)` into `derived` (no block
    /// lost the derivation): those go to `derivedStats`, with this scratch's histogram and channel
    /// maxima clamped, since clamping a value clamps its bucket and a channel's maximum.
    func fold(into stats: inout ActivationStatistics, deriving derivedStats: inout ActivationStatistics,
              from derived: StatisticsScratch, clamp: ClampBounds, channels: Int) {
        foldCounts(into: &stats)
        derived.foldCounts(into: &derivedStats)
        let buckets = clamp.bucketClamp
        foldHistogram { j, n in
            stats.histogram.add(n, toBucket: j)
            derivedStats.histogram.add(n, toBucket: buckets.apply(j))
        }
        // A channel this scratch did not see becomes `lo` here, which no value of it is below.
        for c in 0 ..< channels { derived.channelMaxFloat[c] = clamp.apply(channelMaxFloat[c]) }
        foldChannels(into: &stats, channels: channels)
        derived.foldChannels(into: &derivedStats, channels: channels)
    }

    private func foldCounts(into stats: inout ActivationStatistics) {
        stats.nanCount += nan
        stats.infCount += inf
        stats.zeroCount += zeros
        stats.negativeCount += negative
        stats.finiteMinimum = Swift.min(stats.finiteMinimum, minimum)
        stats.finiteMaximum = Swift.max(stats.finiteMaximum, maximum)
    }

    /// Calls `add(bucket, count)` for each non-empty bucket and zeroes the counters.
    private func foldHistogram(_ add: (Int, Int) -> Void) {
        if minimum <= maximum {
            for j in HistogramBuckets.referenceBucket(minimum) ... HistogramBuckets.referenceBucket(maximum) {
                var n = 0
                for l in 0 ..< Self.lanes {
                    n += laneCounts[l * Self.laneStride + j]
                    laneCounts[l * Self.laneStride + j] = 0
                }
                if n != 0 { add(j, n) }
            }
        }
        for l in 0 ..< Self.lanes { laneCounts[l * Self.laneStride + HistogramBuckets.spareBucket] = 0 }
    }

    private func foldChannels(into stats: inout ActivationStatistics, channels: Int) {
        let doubleMax = channelMax, floatMax = channelMaxFloat, saturatedCounts = saturated
        stats.channelMaxima.withUnsafeMutableBufferPointer { maxima in
            for c in 0 ..< Swift.min(maxima.count, channels) {
                // None of these is NaN: maxima ignore NaN.
                let a = maxima[c], b = doubleMax[c], f = Double(floatMax[c])
                let best = a > b ? a : b
                maxima[c] = f > best ? f : best
            }
        }
        stats.saturatedCounts.withUnsafeMutableBufferPointer { counts in
            for c in 0 ..< Swift.min(counts.count, channels) { counts[c] += saturatedCounts[c] }
        }
    }

    // MARK: Pool

    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [StatisticsScratch] = []

    /// A scratch ready for a tensor with `channels` channels (0: no channel axis).
    static func take(channels: Int) -> StatisticsScratch {
        lock.lock()
        let scratch = free.popLast()
        lock.unlock()
        let s = scratch ?? StatisticsScratch()
        s.reset(channels: channels)
        return s
    }

    /// Returns a folded scratch to the pool.
    static func give(_ scratch: StatisticsScratch) {
        lock.lock()
        if free.count < 64 { free.append(scratch) }
        lock.unlock()
    }
}

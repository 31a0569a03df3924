import Foundation
import StrataCore

extension ActivationStatistics {
    /// Smallest share of a tensor worth a thread of its own: one block. At 65,536 the tensors under
    /// 131,072 values (145 of MobileNetV2's 170 outputs, 30 % of its values) ran on the calling
    /// thread alone, which did 67 % of `strata stats`' block passes at 2 threads; now 57 %, and
    /// `stats` over 200 images took 4.3-5.1 s against 4.8-6.4 (alternating runs, 2-vCPU VM).
    static let valuesPerThread = StatisticsScratch.blockSize

    /// Adds a tensor's values, in fixed blocks of `StatisticsScratch.blockSize` spread over up to
    /// `maxThreads` threads (through `parallel` when set). Each block's moments are combined in block order and everything else
    /// adds exactly, so the result is the same for any number of threads.
    mutating func accumulate(_ tensor: Tensor, layout axesLayout: ActivationLayout? = nil) {
        _ = accumulate(tensor, derived: nil, layout: axesLayout)
    }

    /// `accumulate`, also adding `clamp.apply(x)` to `derived` (whose shape bookkeeping this does, with
    /// `recording` or else `x`'s shape) from the same pass over a float32 `x`; false, with `derived`
    /// unchanged, when a block held NaN or ±∞.
    mutating func accumulate(_ x: Tensor, deriving derived: inout ActivationStatistics, through clamp: ClampBounds,
                             layout axesLayout: ActivationLayout? = nil, recording shape: [Int]? = nil) -> Bool {
        withUnsafeMutablePointer(to: &derived) { accumulate(x, derived: ($0, clamp, shape ?? x.shape), layout: axesLayout) }
    }

    /// `layout`: the layout in which to find `x`'s channel axis, where it is not the statistics' own.
    private mutating func accumulate(_ x: Tensor,
                                     derived target: (statistics: UnsafeMutablePointer<ActivationStatistics>, clamp: ClampBounds,
                                                      shape: [Int])?,
                                     layout axesLayout: ActivationLayout?) -> Bool {
        let clamp = target?.clamp
        let n = x.count
        count += n
        guard n > 0 else {
            if let target { target.statistics.pointee.record(target.shape) }
            return target != nil
        }
        let axes = ActivationAxes(shape: x.shape, layout: axesLayout ?? layout)
        var geometry = StatisticsScratch.Geometry(channels: 0, inner: 1)
        if axes.channelAxis != nil {
            let (_, channels, inner) = axes.outerChannelInner
            // One channel: a single run, rather than rows of one value.
            geometry = StatisticsScratch.Geometry(channels: channels, inner: channels == 1 ? n : inner)
        }
        let blocks = (n + StatisticsScratch.blockSize - 1) / StatisticsScratch.blockSize
        let workers = Swift.max(1, Swift.min(maxThreads, n / Self.valuesPerThread, blocks))
        let scratches = (0 ..< workers).map { _ in StatisticsScratch.take(channels: geometry.channels) }
        let derivedScratches = clamp == nil ? [] : (0 ..< workers).map { _ in StatisticsScratch.take(channels: geometry.channels) }
        var blockMoments = [Moments](repeating: Moments(), count: blocks)
        var derivedMoments = [Moments](repeating: Moments(), count: clamp == nil ? 0 : blocks)
        let bands = target?.statistics.pointee.saturationBounds?.floatBands
        blockMoments.withUnsafeMutableBufferPointer { moments in
            derivedMoments.withUnsafeMutableBufferPointer { clampedMoments in
                let job = BlockJob(tensor: x, geometry: geometry, bounds: saturationBounds, blocks: blocks,
                                   workers: workers, scratches: scratches, moments: moments,
                                   derivations: clamp.map { clamp in derivedScratches.map {
                                       StatisticsScratch.Derivation(scratch: $0, clamp: clamp, bands: bands, moments: clampedMoments)
                                   } })
                if workers == 1 {
                    job.run(0)
                } else if let parallel {
                    parallel(workers) { job.run($0) }
                } else {
                    DispatchQueue.concurrentPerform(iterations: workers) { job.run($0) }
                }
            }
        }
        let derivedAll = clamp != nil && !derivedScratches.contains { $0.lostDerivation }
        if let target, derivedAll {
            let derived = target.statistics
            derived.pointee.record(target.shape)
            derived.pointee.count += n
            for (scratch, other) in zip(scratches, derivedScratches) {
                scratch.fold(into: &self, deriving: &derived.pointee, from: other, clamp: target.clamp, channels: geometry.channels)
            }
            for m in derivedMoments { derived.pointee.moments.combine(m) }
        } else {
            for scratch in scratches { scratch.fold(into: &self, channels: geometry.channels) }
        }
        for scratch in scratches + derivedScratches { StatisticsScratch.give(scratch) }
        for m in blockMoments { moments.combine(m) }
        return derivedAll
    }
}

/// One `accumulate` call's work, shared by its threads: worker `w` takes the `w`-th contiguous share of
/// the blocks with its own scratch, and writes only its blocks' entries of `moments`.
private struct BlockJob: @unchecked Sendable {
    let tensor: Tensor
    let geometry: StatisticsScratch.Geometry
    let bounds: SaturationBounds?
    let blocks: Int
    let workers: Int
    let scratches: [StatisticsScratch]
    let moments: UnsafeMutableBufferPointer<Moments>
    /// Per worker, when the pass also derives a clamp's statistics.
    let derivations: [StatisticsScratch.Derivation]?

    func run(_ w: Int) {
        scratches[w].process(tensor, blocks: blocks * w / workers ..< blocks * (w + 1) / workers,
                             geometry: geometry, bounds: bounds, moments: moments, derived: derivations?[w])
    }
}

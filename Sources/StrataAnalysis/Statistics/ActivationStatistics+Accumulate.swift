import Foundation
import StrataCore

extension ActivationStatistics {
    /// Smallest share of a tensor worth a thread of its own.
    static let valuesPerThread = 1 << 16

    /// Adds a tensor's values, in fixed blocks of `StatisticsScratch.blockSize` spread over up to
    /// `maxThreads` threads (through `parallel` when set). Each block's moments are combined in block order and everything else
    /// adds exactly, so the result is the same for any number of threads.
    mutating func accumulate(_ tensor: Tensor) {
        let n = tensor.count
        count += n
        guard n > 0 else { return }
        let axes = ActivationAxes(shape: tensor.shape, layout: layout)
        var geometry = StatisticsScratch.Geometry(channels: 0, inner: 1)
        if axes.channelAxis != nil {
            let (_, channels, inner) = axes.outerChannelInner
            // One channel: a single run, rather than rows of one value.
            geometry = StatisticsScratch.Geometry(channels: channels, inner: channels == 1 ? n : inner)
        }
        let blocks = (n + StatisticsScratch.blockSize - 1) / StatisticsScratch.blockSize
        let workers = Swift.max(1, Swift.min(maxThreads, n / Self.valuesPerThread, blocks))
        let scratches = (0 ..< workers).map { _ in StatisticsScratch.take(channels: geometry.channels) }
        var blockMoments = [Moments](repeating: Moments(), count: blocks)
        blockMoments.withUnsafeMutableBufferPointer { moments in
            let job = BlockJob(tensor: tensor, geometry: geometry, bounds: saturationBounds, blocks: blocks,
                               workers: workers, scratches: scratches, moments: moments)
            if workers == 1 {
                job.run(0)
            } else if let parallel {
                parallel(workers) { job.run($0) }
            } else {
                DispatchQueue.concurrentPerform(iterations: workers) { job.run($0) }
            }
        }
        for scratch in scratches {
            scratch.fold(into: &self, channels: geometry.channels)
            StatisticsScratch.give(scratch)
        }
        for m in blockMoments { moments.combine(m) }
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

    func run(_ w: Int) {
        scratches[w].process(tensor, blocks: blocks * w / workers ..< blocks * (w + 1) / workers,
                             geometry: geometry, bounds: bounds, moments: moments)
    }
}

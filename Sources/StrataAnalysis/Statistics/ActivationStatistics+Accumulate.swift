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

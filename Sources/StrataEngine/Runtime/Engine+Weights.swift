import StrataCore
import Synchronization

extension Engine {
    /// Brings the weights into the form runs read them in, now rather than during the first run:
    /// packs the constant matrices kernels keep in their own layout (`WeightPacking`), spread over
    /// the engine's threads, and reads the rest into memory (`TensorStorage.makeResident`). For
    /// timing a load as the whole cost of having the weights ready (`strata bench`).
    public func prepareWeights() throws {
        let packers = kernels.indices.compactMap { index in (kernels[index] as? any WeightPacking).map { (index, $0) } }
        let failure = Mutex<(Int, any Error)?>(nil)
        let job = PackingJob(packers: packers)
        context.parallelFor(packers.count) { range in
            for i in range {
                do {
                    try job.packers[i].1.packWeights()
                } catch {
                    failure.withLock { first in if first == nil || first!.0 > job.packers[i].0 { first = (job.packers[i].0, error) } }
                }
            }
        }
        if let (index, error) = failure.withLock({ $0 }) { throw error.strata(at: graph.nodes[index].location) }
        for tensor in graph.initializers.values { tensor.storage.makeResident() }
    }
}

/// The kernels `prepareWeights` hands to the threads, with their node indices.
private struct PackingJob: @unchecked Sendable {
    let packers: [(Int, any WeightPacking)]
}

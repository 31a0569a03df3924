import StrataCore
import Synchronization

extension Engine {
    /// Brings the weights into the form runs read them in, now rather than during the first run:
    /// packs the constant matrices kernels keep in their own layout (`WeightPacking`) and reads the
    /// rest into memory (`TensorStorage.makeResident`), both spread over the engine's threads. For
    /// timing a load as the whole cost of having the weights ready (`strata bench`).
    ///
    /// The work goes to the threads largest first, each taking the next piece when it is done with
    /// one: a CNN's weights grow with depth, so contiguous halves of the node list left one thread
    /// packing ResNet-50's last stages (43 ms) while the other was done with the first ones in 2.
    public func prepareWeights() throws {
        let packers = forwardKernels.indices.compactMap { index in (forwardKernels[index] as? any WeightPacking).map { (index, $0) } }
        let packing = WeightJob(packers.sorted { constantBytes(of: $0.0) > constantBytes(of: $1.0) })
        let failure = Mutex<(Int, any Error)?>(nil)
        packing.run(context) { packer in
            do {
                try packer.1.packWeights()
            } catch {
                failure.withLock { first in if first == nil || first!.0 > packer.0 { first = (packer.0, error) } }
            }
        }
        if let (index, error) = failure.withLock({ $0 }) { throw error.strata(at: graph.nodes[index].location) }
        // After the packing, which lets the pages of what it packed go: those need no reading.
        let resident = WeightJob(graph.initializers.values.sorted { $0.byteCount > $1.byteCount })
        resident.run(context) { $0.storage.makeResident() }
    }

    /// Bytes of the constant inputs of node `index` (what packing its weights reads).
    private func constantBytes(of index: Int) -> Int {
        graph.nodes[index].inputs.reduce(0) { $0 + (graph.initializers[$1]?.byteCount ?? 0) }
    }
}

/// Pieces of `prepareWeights`' work, taken one at a time by each of the engine's threads.
private final class WeightJob<Piece>: @unchecked Sendable {
    let pieces: [Piece]
    private let next = Atomic<Int>(0)

    init(_ pieces: [Piece]) {
        self.pieces = pieces
    }

    func run(_ context: ExecutionContext, _ body: @Sendable (Piece) -> Void) {
        context.parallelFor(Swift.min(context.threads, pieces.count)) { _ in
            while case let i = next.add(1, ordering: .relaxed).oldValue, i < pieces.count { body(pieces[i]) }
        }
    }
}

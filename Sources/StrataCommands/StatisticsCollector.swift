import Foundation
import StrataAnalysis
import StrataCore
import StrataEngine

/// The statistics of chosen layer outputs, accumulated batch by batch while a model runs, as
/// `strata stats` and `strata tensorboard` collect them: one `LayerStatistics` per row (rows may
/// repeat), fed every activation the engine captures for its output, and the number of inputs seen.
struct StatisticsCollector {
    private(set) var layers: [LayerStatistics]
    /// Batch entries fed so far.
    private(set) var inputs = 0
    private var slots: [LayerOutput: [Int]] = [:]

    /// Statistics for `rows` of `model`, split over the engine's threads (`threads`, or every core).
    init(rows: [LayerOutput], model: Model, engine: Engine, threads: Int?) {
        layers = rows.map { LayerStatistics(output: $0, in: model.graph, layout: model.layout) }
        for i in layers.indices {
            layers[i].statistics.maxThreads = threads ?? ProcessInfo.processInfo.activeProcessorCount
            layers[i].statistics.parallel = { [engine] n, body in engine.parallelFor(n, body) }
        }
        for (i, row) in rows.enumerated() { slots[row, default: []].append(i) }
    }

    /// Adds one captured activation (the whole batch) of `row`.
    mutating func add(_ row: LayerOutput, _ tensor: Tensor) throws {
        for i in slots[row] ?? [] { try layers[i].statistics.add(tensor) }
    }

    /// Counts the inputs of a batch: its images, or the largest leading axis among the `.npy`
    /// tensors fed (1 for scalars).
    mutating func count(_ batch: InputBatch) {
        inputs += batch.images.isEmpty ? batch.feeds.values.compactMap { $0.rank > 0 ? $0.shape[0] : nil }.max() ?? 1 : batch.images.count
    }
}

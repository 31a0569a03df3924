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
    /// The rows to capture from the engine, and the layers each one feeds.
    private(set) var captureRows: [LayerOutput] = []
    private var slots: [LayerOutput: [Int]] = [:]
    /// Layers whose captured row is the channels-first value their channels-last tensor is a
    /// Transpose of (`ActivationStatistics.add(channelsFirst:)`).
    private var channelsFirst: Set<Int> = []
    /// Layers whose captured value is clamped by a `Relu`, a `Clip` or a `Min(Relu(·), c)` into another
    /// covered layer's (`ClampBounds.source`): that layer, taken from the same pass over the input
    /// (`ActivationStatistics.add(_:deriving:through:)`, `add(channelsFirst:deriving:through:)`).
    private(set) var derivations: [Int: (target: Int, clamp: ClampBounds)] = [:]
    /// Within the current batch: layers added from their input's pass (their own tensor is then
    /// skipped), and layers added from their own tensor (never derived again in this batch).
    private var derivedInBatch: Set<Int> = []
    private var addedInBatch: Set<Int> = []

    /// Statistics for `rows` of `model`, split over the engine's threads (`threads`, or every core).
    /// With `channelsFirst`, a row whose tensor is a `Transpose` to channels-last (how the Keras
    /// importer gives each layer its NHWC activation from the NCHW value the graph computes) is
    /// captured as that channels-first value (`captureRows`), so that the engine never makes the
    /// copy: for statistics the order of the values does not matter. Such a layer is derived from
    /// another (a Keras ReLU from the BatchNormalization before it) only where that one is a
    /// channels-first twin too.
    init(rows: [LayerOutput], model: Model, engine: Engine, threads: Int?, channelsFirst relayout: Bool = false) {
        layers = rows.map { LayerStatistics(output: $0, in: model.graph, layout: model.layout) }
        for i in layers.indices {
            layers[i].statistics.maxThreads = threads ?? ProcessInfo.processInfo.activeProcessorCount
            layers[i].statistics.parallel = { [engine] n, body in engine.parallelFor(n, body) }
        }
        let twins = relayout && model.layout == .nhwc ? Self.channelsFirstTwins(model.graph) : [:]
        var captured = rows
        for (i, row) in rows.enumerated() {
            if row.iterations == nil, let twin = twins[row.tensor] {
                captured[i].tensor = twin
                channelsFirst.insert(i)
            }
            if slots[captured[i]] == nil { captureRows.append(captured[i]) }
            slots[captured[i], default: []].append(i)
        }
        // Pairs among the values captured, both channels-first twins or neither (the derived
        // statistics are added in the layout their source is read in).
        derivations = Self.derivations(captured, model.graph).filter { channelsFirst.contains($0.key) == channelsFirst.contains($0.value.target) }
    }

    /// Values made by a `Transpose` with `perm` `[0, 2, …, r − 1, 1]` (channels-first to channels-last,
    /// rank 3 or more) of a value computed by the graph: that value, by the transposed one's name.
    private static func channelsFirstTwins(_ graph: Graph) -> [String: String] {
        var twins: [String: String] = [:]
        for node in graph.nodes where node.opType == "Transpose" {
            guard let out = node.outputs.first, !out.isEmpty, let x = node.input(0), graph.initializers[x] == nil,
                  !graph.inputs.contains(where: { $0.name == x }),
                  let perm = (try? node.typed(TransposeAttributes.self))?.perm, perm.count >= 3,
                  perm == [0] + Array(2 ..< perm.count) + [1] else { continue }
            twins[out] = x
        }
        return twins
    }

    /// Pairs of covered layers `x → y` where `y`'s captured value is a clamp of `x`'s with bounds known
    /// before the run (`Relu(x)`, `Clip(x)`, or `Min(Relu(x), c)`: `ClampBounds.source`), both outside
    /// loop bodies; one `y` per `x`. `rows` are the rows as captured.
    private static func derivations(_ rows: [LayerOutput], _ graph: Graph) -> [Int: (target: Int, clamp: ClampBounds)] {
        var producer: [String: Int] = [:]
        for (n, node) in graph.nodes.enumerated() {
            for out in node.outputs where !out.isEmpty { producer[out] = n }
        }
        var byTensor: [String: Int] = [:]
        for (i, row) in rows.enumerated() where row.iterations == nil && byTensor[row.tensor] == nil { byTensor[row.tensor] = i }
        var pairs: [Int: (target: Int, clamp: ClampBounds)] = [:]
        var targets: Set<Int> = []
        for (j, row) in rows.enumerated() where row.iterations == nil && !targets.contains(j) {
            guard let n = producer[row.tensor],
                  let (input, clamp) = ClampBounds.source(of: graph.nodes[n], in: graph, producer: { producer[$0].map { graph.nodes[$0] } }),
                  let i = byTensor[input], i != j, pairs[i] == nil else { continue }
            pairs[i] = (j, clamp)
            targets.insert(j)
        }
        return pairs
    }

    /// Adds one captured activation (the whole batch) of `row`.
    mutating func add(_ row: LayerOutput, _ tensor: Tensor) throws {
        for i in slots[row] ?? [] {
            if derivedInBatch.remove(i) != nil { continue }
            if let (target, clamp) = derivations[i], !addedInBatch.contains(target), !derivedInBatch.contains(target) {
                let twin = channelsFirst.contains(i)
                let derived = try layers.withUnsafeMutableBufferPointer { layers in
                    twin ? try layers[i].statistics.add(channelsFirst: tensor, deriving: &layers[target].statistics, through: clamp)
                         : try layers[i].statistics.add(tensor, deriving: &layers[target].statistics, through: clamp)
                }
                if derived { derivedInBatch.insert(target) }
            } else if channelsFirst.contains(i) {
                try layers[i].statistics.add(channelsFirst: tensor)
            } else {
                try layers[i].statistics.add(tensor)
            }
            addedInBatch.insert(i)
        }
    }

    /// Counts the inputs of a batch: its images, or the largest leading axis among the `.npy`
    /// tensors fed (1 for scalars). Call once after each batch's run: it also ends the batch.
    mutating func count(_ batch: InputBatch) {
        derivedInBatch = []
        addedInBatch = []
        inputs += batch.images.isEmpty ? batch.feeds.values.compactMap { $0.rank > 0 ? $0.shape[0] : nil }.max() ?? 1 : batch.images.count
    }
}

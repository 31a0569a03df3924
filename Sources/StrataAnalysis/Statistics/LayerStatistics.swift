import StrataCore

/// The statistics of one capturable layer output (a row of the capture table), as `strata stats`
/// reports them.
public struct LayerStatistics: Sendable {
    /// Which activation: layer, op, call, output index and IR tensor.
    public var output: LayerOutput
    public var statistics: ActivationStatistics

    public init(output: LayerOutput, statistics: ActivationStatistics) {
        self.output = output
        self.statistics = statistics
    }

    /// Statistics to fill for `output` of a model with `layout`, with the saturation bounds its
    /// producing op implies (`SaturationBounds.of`).
    public init(output: LayerOutput, in graph: Graph, layout: ActivationLayout) {
        self.init(output: output, statistics: ActivationStatistics(
            layout: layout, saturationBounds: SaturationBounds.of(tensor: output.tensor, in: graph)))
    }

    /// What shards are matched by: layer, tensor and output index.
    public struct Key: Hashable, Sendable, CustomStringConvertible {
        public var layer: String
        public var tensor: String
        public var output: Int

        public var description: String { "layer '\(layer)' (tensor '\(tensor)', output \(output))" }
    }

    public var key: Key { Key(layer: output.layer, tensor: output.tensor, output: output.output) }

    /// Adds the statistics of the same layer output from another shard.
    public mutating func merge(_ other: LayerStatistics) throws {
        guard key == other.key else {
            throw StrataError(.invalidInput, "statistics of \(key) and \(other.key) do not merge")
        }
        guard output.op == other.output.op else {
            throw StrataError(.invalidInput, "the op is \(output.op) in one shard and \(other.output.op) in another",
                              at: ErrorLocation(node: output.layer))
        }
        do {
            try statistics.merge(other.statistics)
        } catch let error as StrataError {
            throw error.located(ErrorLocation(node: output.layer))
        }
    }
}

import StrataCore

/// What `strata stats` writes: the statistics of every layer output of a model over a dataset or a
/// shard of one, and how shards merge into the statistics of the whole (schema in `Docs/Statistics.md`).
public struct StatisticsDocument: Sendable {
    /// Whatever identifies the model to the caller (e.g. its file name and digest); shards naming
    /// different models do not merge. nil when not given.
    public var model: String?
    public var layout: ActivationLayout
    /// Input files that went through the model.
    public var inputs: Int
    /// Input files left out (unreadable, wrong size), as named by the caller.
    public var skipped: [String]
    public var layers: [LayerStatistics]

    public init(model: String? = nil, layout: ActivationLayout, inputs: Int = 0, skipped: [String] = [], layers: [LayerStatistics] = []) {
        self.model = model
        self.layout = layout
        self.inputs = inputs
        self.skipped = skipped
        self.layers = layers
    }
}

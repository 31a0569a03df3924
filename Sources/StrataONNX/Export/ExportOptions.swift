import StrataCore

/// How `ONNXExporter` writes a model.
public struct ExportOptions: Sendable {
    /// The `ai.onnx` opset to write, in `ONNXExporter.opsets`.
    public var opset: Int
    /// The batch (first) dimension of every graph input and output: nil keeps the model's,
    /// `.known(n)` fixes it, `.symbol(name)` makes it dynamic.
    public var batch: Dim?
    /// Initializers are written to an external `<name>.data` file when their total size exceeds
    /// this many bytes (protobuf cannot hold messages of 2 GiB or more).
    public var externalDataThreshold: Int
    /// Entries added to the model's `metadata_props`.
    public var metadata: [String: String]
    public var docString: String?
    /// Moves transposes down through layout-agnostic ops and cancels pairs (`TransposeSinking`).
    public var optimizeLayout: Bool

    public init(
        opset: Int = ONNXExporter.defaultOpset, batch: Dim? = nil, externalDataThreshold: Int = 1_900_000_000,
        metadata: [String: String] = [:], docString: String? = nil,
        optimizeLayout: Bool = true
    ) {
        self.opset = opset
        self.batch = batch
        self.externalDataThreshold = externalDataThreshold
        self.metadata = metadata
        self.docString = docString
        self.optimizeLayout = optimizeLayout
    }
}

/// A graph plus what its file said about it.
public struct Model: Sendable {
    public var graph: Graph
    public var format: ModelFormat
    /// The path the model was read from, as given.
    public var path: String
    public var producer: String?
    public var producerVersion: String?
    public var irVersion: Int?
    /// Opset version per domain ("" is `ai.onnx`).
    public var opsetImports: [String: Int]
    /// Layout of activations as the source framework reports them.
    public var layout: ActivationLayout
    public var metadata: [String: String]
    /// The source file's own layers (Keras layers with nested models, or ONNX nodes), in file order.
    public var sourceLayers: [SourceLayer]
    /// False for a model imported for its structure only (`KerasImporter.WeightLoading.shapesOnly`):
    /// its initializers have the right types but not the file's values, and it must not be run or exported.
    public var hasWeightValues = true

    public init(
        graph: Graph, format: ModelFormat, path: String, producer: String? = nil, producerVersion: String? = nil,
        irVersion: Int? = nil, opsetImports: [String: Int] = [:], layout: ActivationLayout,
        metadata: [String: String] = [:], sourceLayers: [SourceLayer] = []
    ) {
        self.graph = graph
        self.format = format
        self.path = path
        self.producer = producer
        self.producerVersion = producerVersion
        self.irVersion = irVersion
        self.opsetImports = opsetImports
        self.layout = layout
        self.metadata = metadata
        self.sourceLayers = sourceLayers
    }
}

public enum ModelFormat: String, Sendable, Codable {
    case onnx
    case kerasH5 = "keras-h5"
    case kerasArchive = "keras-archive"
}

public enum ActivationLayout: String, Sendable, Codable {
    case nchw = "NCHW"
    case nhwc = "NHWC"
}

/// One operation in a graph. `opType` is exactly the ONNX op type; importers of other formats
/// lower their layers onto these ops and keep the original name and class in `source`.
public struct Node: Sendable {
    /// Unique and never empty within its graph.
    public var name: String { didSet { parsedAttributes = ParsedAttributes() } }
    public var opType: String { didSet { parsedAttributes = ParsedAttributes() } }
    /// "" for the default ONNX domain (`ai.onnx`).
    public var domain: String { didSet { parsedAttributes = ParsedAttributes() } }
    /// The opset version of `domain` the node was written against; ops whose semantics changed
    /// between versions read it.
    public var opset: Int { didSet { parsedAttributes = ParsedAttributes() } }
    /// Value names; "" marks an absent optional input.
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: Attribute] { didSet { parsedAttributes = ParsedAttributes() } }
    public var source: SourceInfo?
    /// The typed attributes parsed so far (`typed(_:)`), shared by copies of this node until one of
    /// them changes what parsing reads (name, op type, domain, opset or attributes) and gets a fresh one.
    var parsedAttributes = ParsedAttributes()

    public init(
        name: String, opType: String, domain: String = "", opset: Int = OpRegistry.latestOpset,
        inputs: [String], outputs: [String], attributes: [String: Attribute] = [:], source: SourceInfo? = nil
    ) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.opset = opset
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.source = source
    }

    public var location: ErrorLocation { ErrorLocation(node: name, opType: opType) }
}

/// Where a node came from in the source format, for display and capture.
public struct SourceInfo: Sendable, Hashable {
    /// The layer or node name in the source file (for nested Keras layers, `outer/inner`).
    public var name: String
    /// The layer class (Keras) or op type (ONNX).
    public var type: String

    public init(name: String, type: String) {
        self.name = name
        self.type = type
    }
}

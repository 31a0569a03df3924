/// One layer as the source file defines it (a Keras layer, an ONNX node): what diagrams, summaries
/// and reports show, read without knowing the format. Importers fill `Model.sourceLayers` in the
/// source's own order, a nested model's row before the rows of its layers.
public struct SourceLayer: Sendable, Hashable {
    /// The names of the models enclosing the layer, outermost first, then its own name. Nesting comes
    /// from the file's structure only: a top-level Keras 2 layer named `conv1/conv` (as DenseNet names
    /// them) has the one-element path `["conv1/conv"]`.
    public var path: [String]
    /// The layer class (Keras) or op type (ONNX; `domain::Op` outside the default domain).
    public var className: String
    /// The display family, or nil when the class does not say (a custom layer: its ops decide).
    public var category: OpCategory?
    public var trainableParameters: Int
    public var nonTrainableParameters: Int
    /// What feeds the layer's first call: `layer[call][output]` entries naming layers of the same
    /// enclosing model (Keras), or the nodes and graph inputs producing its inputs (ONNX).
    public var connectedTo: [String]
    /// Whether the layer is a model holding layers of its own (their rows follow it).
    public var isModel: Bool

    public init(path: [String], className: String, category: OpCategory?, trainableParameters: Int = 0,
                nonTrainableParameters: Int = 0, connectedTo: [String] = [], isModel: Bool = false) {
        self.path = path
        self.className = className
        self.category = category
        self.trainableParameters = trainableParameters
        self.nonTrainableParameters = nonTrainableParameters
        self.connectedTo = connectedTo
        self.isModel = isModel
    }

    /// The name nodes (`SourceInfo.name`) and the capture table use: the path joined by `/`.
    public var name: String { path.joined(separator: "/") }
    /// 0 for the model's own layers, 1 inside a nested model, …
    public var depth: Int { path.count - 1 }
    public var parameters: Int { trainableParameters + nonTrainableParameters }

    /// Trainable and non-trainable totals over the top-level rows (a nested model's row already
    /// counts its layers), as Keras' `model.summary()` reports them.
    public static func totals(_ rows: [SourceLayer]) -> (trainable: Int, nonTrainable: Int) {
        let top = rows.filter { $0.depth == 0 }
        return (top.reduce(0) { $0 + $1.trainableParameters }, top.reduce(0) { $0 + $1.nonTrainableParameters })
    }
}

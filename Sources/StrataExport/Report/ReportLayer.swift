/// One layer's panel in a `ReportPage`: what it is, its statistics, its pictures, and what looks wrong.
public struct ReportLayer: Sendable {
    /// A picture embedded in the page: PNG bytes, shown with `caption` as its alt text and caption.
    public struct Picture: Sendable {
        public var png: [UInt8]
        public var caption: String
        /// Which input it shows (an index into `ReportPage.samples`); nil for dataset-wide pictures.
        public var sample: Int?

        public init(png: [UInt8], caption: String, sample: Int? = nil) {
            self.png = png
            self.caption = caption
            self.sample = sample
        }
    }

    /// Something to flag in the diagram and the panel.
    public enum Flag: String, Sendable, CaseIterable {
        /// NaN or ±∞ among the values.
        case nonFinite = "nonfinite"
        /// More than half of the units never positive.
        case dead
        /// Units that sit at the bound of a saturating activation.
        case saturated
    }

    /// The layer (capture table name).
    public var name: String
    /// The layer class (Keras) or op type (ONNX).
    public var kind: String
    /// The output shape, e.g. `[1, 112, 112, 32]`.
    public var shape: String
    public var parameters: Int?
    /// The diagram box drawing this layer (its DOT node id), if drawn.
    public var diagramNode: String?
    /// (label, value) rows of its statistics.
    public var statistics: [(String, String)]
    public var pictures: [Picture]
    public var flags: [Flag]
    /// Why something is missing (pictures left out to stay under the size limit, nothing to draw).
    public var notes: [String]

    public init(name: String, kind: String, shape: String, parameters: Int? = nil, diagramNode: String? = nil,
                statistics: [(String, String)] = [], pictures: [Picture] = [], flags: [Flag] = [], notes: [String] = []) {
        self.name = name
        self.kind = kind
        self.shape = shape
        self.parameters = parameters
        self.diagramNode = diagramNode
        self.statistics = statistics
        self.pictures = pictures
        self.flags = flags
        self.notes = notes
    }
}

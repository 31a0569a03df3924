import StrataCore

/// A model drawn as boxes and arrows, independent of the output format: one box per layer
/// (Keras, grouped by `Node.source`) or per operator node (ONNX), one per graph input and output,
/// and the data-flow edges between them, in data-flow order. Built by `Diagram(model:options:)`,
/// written as DOT by `DOTWriter`.
public struct Diagram: Sendable {
    public enum Role: String, Sendable {
        case input, output, layer, weight
    }

    public struct Box: Sendable {
        /// The DOT node identifier (`in0`, `n12`, `out0`, `w3`): unique, never derived from a name.
        public var id: String
        public var role: Role
        /// The layer, node or value name, as in the file.
        public var name: String
        /// Op type (ONNX), layer class (Keras), or `Input`/`Output`/`Weight`.
        public var type: String
        public var category: DiagramCategory
        /// Names of the enclosing nested models, outermost first; empty at the top level.
        public var cluster: [String]
        /// Types of the values the box hands to other boxes; nil where inference could not tell.
        public var outputs: [ValueType?]
        /// Elements of the distinct weights (initializers) the box reads.
        public var parameters: Int
        /// Key attributes as (name, value) pairs, in display order.
        public var attributes: [(String, String)]
    }

    public struct Edge: Sendable, Hashable {
        /// Indices into `boxes`.
        public var from: Int
        public var to: Int
        /// The tensor the edge carries (the first one, when several connect the same boxes).
        public var value: String
        public var type: ValueType?
    }

    public var boxes: [Box]
    public var edges: [Edge]

    public init(boxes: [Box], edges: [Edge]) {
        self.boxes = boxes
        self.edges = edges
    }
}

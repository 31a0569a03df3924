/// Where a problem was found: as much of file → node → detail as is known.
public struct ErrorLocation: Sendable, Hashable {
    /// The model or data file, as the user named it.
    public var file: String?
    /// The node or layer name.
    public var node: String?
    /// The node's op type or layer class.
    public var opType: String?
    /// A finer place: `attribute 'kernel_shape'`, `input 1`, `HDF5 path '/model_weights/x'`.
    public var detail: String?
    /// For a node inside a subgraph: the enclosing control-flow nodes, outermost first, each as
    /// `in node 'loop_1' (Loop) body, iteration 3`.
    public var enclosing: [String]

    public init(file: String? = nil, node: String? = nil, opType: String? = nil, detail: String? = nil, enclosing: [String] = []) {
        self.file = file
        self.node = node
        self.opType = opType
        self.detail = detail
        self.enclosing = enclosing
    }

    /// Fills the fields this location lacks from `outer`, keeping the more precise ones.
    public func merged(into outer: ErrorLocation) -> ErrorLocation {
        ErrorLocation(
            file: file ?? outer.file,
            node: node ?? outer.node,
            opType: opType ?? outer.opType,
            detail: detail ?? outer.detail,
            enclosing: outer.enclosing + enclosing
        )
    }
}

/// What `strata diagram` draws and how. The defaults give a readable architecture picture:
/// shapes on, constants and shape-computation side graphs hidden, nested models as clusters.
public struct DiagramOptions: Sendable, Equatable {
    /// Graphviz `rankdir`: the direction data flows in.
    public enum RankDirection: String, Sendable, CaseIterable {
        case TB, LR, BT, RL
    }

    public var rankdir: RankDirection = .TB
    /// Output shape(s) of each box.
    public var showShapes = true
    /// Parameter count (elements of the weights a box reads), for boxes that have weights.
    public var showParams = false
    /// Key attributes: filters/units, kernel size, strides, activation, axis ...
    public var showAttrs = false
    /// The output dtype next to each shape (shapes are shown without it otherwise).
    public var showDtype = false
    /// A legend cluster with one swatch per category that appears in the diagram.
    public var legend = false
    /// Nested (Keras) models drawn as clusters; false draws each nested model as one box.
    public var expandNested = true
    /// Nesting levels drawn for nested models (1 = top level only); nil for all.
    public var maxDepth: Int?
    /// Draw every node, including constants, weights and shape-computation side graphs.
    public var allNodes = false
    /// Only the boxes downstream of this layer (inclusive).
    public var from: String?
    /// Only the boxes upstream of this layer (inclusive).
    public var to: String?
    /// Label edges with the shape of the tensor they carry.
    public var edgeShapes = false

    public init() {}

    /// The number of path components kept from a nested layer name, or nil for all of them.
    var effectiveDepth: Int? {
        expandNested ? maxDepth : 1
    }
}

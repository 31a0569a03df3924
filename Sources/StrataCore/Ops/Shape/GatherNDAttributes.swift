/// The attribute of `GatherND`: the leading batch axes shared by data and indices (opset 12 on).
public struct GatherNDAttributes: OpAttributes {
    public static let names = ["batch_dims"]

    public var batchDims: Int

    public init(node: Node) throws {
        batchDims = node.opset >= 12 ? try node.int("batch_dims", default: 0) : 0
        guard batchDims >= 0 else { throw node.attributeError("batch_dims", "must not be negative") }
    }

    public var values: [String: Attribute] { ["batch_dims": .int(batchDims)] }
}

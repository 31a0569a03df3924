/// The attributes of `DepthToSpace` and `SpaceToDepth`: the block size (required, in
/// `1...65536` so that its square is exact) and the channel order, `DCR` (default) or `CRD`
/// (DepthToSpace from opset 11, SpaceToDepth from 28).
public struct SpaceDepthAttributes: OpAttributes {
    public static let names = ["blocksize", "mode"]

    public var blockSize: Int
    /// `CRD`: column, row, depth.
    public var columnRowDepth: Bool

    public init(node: Node) throws {
        blockSize = try node.requiredInt("blocksize")
        guard blockSize >= 1 && blockSize <= 1 << 16 else {
            throw node.attributeError("blocksize", "must be in 1...65536, found \(blockSize)")
        }
        let modeApplies = node.opType == "DepthToSpace" ? node.opset >= 11 : node.opset >= 28
        let mode = modeApplies ? try node.string("mode", default: "DCR") : "DCR"
        guard mode == "DCR" || mode == "CRD" else { throw node.attributeError("mode", "unknown mode '\(mode)'") }
        columnRowDepth = mode == "CRD"
    }

    public var values: [String: Attribute] {
        ["blocksize": .int(blockSize), "mode": .string(columnRowDepth ? "CRD" : "DCR")]
    }
}

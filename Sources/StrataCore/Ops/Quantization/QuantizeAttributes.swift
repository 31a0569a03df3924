/// `QuantizeLinear` and `DequantizeLinear`: the axis of per-axis parameters, the block size of blocked
/// ones (opset 21), the declared output type (`output_dtype`, opset 21 for QuantizeLinear and 23 for
/// DequantizeLinear; nil when 0 or absent) and QuantizeLinear's `saturate` (opset 19), which matters
/// only for float8 outputs.
public struct QuantizeAttributes: OpAttributes {
    public static let names = ["axis", "block_size", "output_dtype", "saturate"]

    public var axis: Int
    public var blockSize: Int
    /// The ONNX element-type code of `output_dtype`, nil for 0 or absent; each op checks which types it takes.
    public var outputDTypeCode: Int?
    public var saturate: Bool

    public init(node: Node) throws {
        axis = try node.int("axis", default: 1)
        blockSize = try node.int("block_size", default: 0)
        guard blockSize >= 0 else { throw node.attributeError("block_size", "must not be negative, found \(blockSize)") }
        let code = try node.int("output_dtype", default: 0)
        outputDTypeCode = code == 0 ? nil : code
        saturate = try node.int("saturate", default: 1) != 0
    }

    public var values: [String: Attribute] {
        var values: [String: Attribute] = ["axis": .int(axis), "block_size": .int(blockSize), "output_dtype": .int(outputDTypeCode ?? 0)]
        values["saturate"] = .int(saturate ? 1 : 0)
        return values
    }
}

/// The attributes of `LayerNormalization` and `RMSNormalization`: the first normalised axis, the
/// epsilon, and the dtype of the statistics (`stash_type`, an ONNX data type number).
public struct LayerNormalizationAttributes: OpAttributes {
    public static let names = ["axis", "epsilon", "stash_type"]

    public var axis: Int
    public var epsilon: Float
    public var stashType: DType

    public init(node: Node) throws {
        axis = try node.int("axis", default: -1)
        epsilon = try node.float("epsilon", default: 1e-5)
        stashType = try Self.stashType(node)
    }

    /// `stash_type` (default float32): a floating-point ONNX data type number.
    static func stashType(_ node: Node) throws -> DType {
        let code = try node.int("stash_type", default: 1)
        switch code {
        case 1: return .float32
        case 10: return .float16
        case 11: return .float64
        case 16: return .bfloat16
        default: throw node.attributeError("stash_type", "expected a floating-point data type, got \(code)")
        }
    }

    public var values: [String: Attribute] {
        ["axis": .int(axis), "epsilon": .float(epsilon), "stash_type": .int(stashType.onnxCode)]
    }
}

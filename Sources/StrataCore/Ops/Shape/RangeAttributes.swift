/// The attribute of `Range`: `stash_type` (opset 27 on), the ONNX data type float16 and bfloat16
/// ranges are computed in before rounding: float32 (1, the default) or float64 (11).
public struct RangeAttributes: OpAttributes {
    public static let names = ["stash_type"]

    public var stashType: DType

    public init(node: Node) throws {
        let code = try node.int("stash_type", default: 1)
        switch code {
        case 1: stashType = .float32
        case 11: stashType = .float64
        default: throw node.attributeError("stash_type", "data type \(code) is not supported (float32 or float64)", kind: .unsupported)
        }
    }

    public var values: [String: Attribute] { ["stash_type": .int(stashType.onnxCode)] }
}

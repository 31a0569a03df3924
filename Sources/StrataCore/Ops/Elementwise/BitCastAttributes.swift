/// The attribute of `BitCast` (opset 26): the dtype, of the input's bit width, whose bits the output
/// reinterprets.
public struct BitCastAttributes: OpAttributes {
    public static let names = ["to"]

    public var target: DType

    public init(node: Node) throws {
        let code = try node.requiredInt("to")
        guard let dtype = DType(onnxCode: code) else {
            throw node.attributeError("to", "data type \(code) is not supported", kind: .unsupported)
        }
        target = dtype
    }

    public var values: [String: Attribute] { ["to": .int(target.onnxCode)] }
}

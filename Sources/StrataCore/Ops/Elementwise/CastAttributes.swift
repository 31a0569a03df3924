/// The attributes of `Cast` and `CastLike`. `Cast` names its target dtype in `to` (required);
/// `CastLike` takes it from input 1, and `target` is nil. `saturate` and `round_mode` only concern
/// float8 and float4 targets, which Strata has none of, so they are not read.
public struct CastAttributes: OpAttributes {
    public static let names = ["to"]

    public var target: DType?

    public init(node: Node) throws {
        guard node.opType != "CastLike" else {
            target = nil
            return
        }
        let code = try node.requiredInt("to")
        guard let dtype = DType(onnxCode: code) else {
            throw node.attributeError("to", "data type \(code) is not supported", kind: .unsupported)
        }
        target = dtype
    }

    public var values: [String: Attribute] {
        guard let target else { return [:] }
        return ["to": .int(target.onnxCode)]
    }
}

/// The attributes of `Cast` and `CastLike`. `Cast` names its target dtype in `to` (required);
/// `CastLike` takes it from input 1, and `target` is nil. `saturate` (opset 19 on, default 1) says
/// how float8 targets overflow; `round_mode` only concerns float8e8m0, which Strata refuses, so it is
/// not read.
public struct CastAttributes: OpAttributes {
    public static let names = ["to", "saturate"]

    public var target: DType?
    public var saturate: Bool

    public init(node: Node) throws {
        saturate = try node.int("saturate", default: 1) != 0
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
        var values: [String: Attribute] = ["saturate": .int(saturate ? 1 : 0)]
        if let target { values["to"] = .int(target.onnxCode) }
        return values
    }
}

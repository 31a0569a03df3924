/// The attributes of `EyeLike`: the diagonal `k` and the output dtype (default: the input's).
public struct EyeLikeAttributes: OpAttributes {
    public static let names = ["k", "dtype"]

    public var k: Int
    public var dtype: DType?

    public init(node: Node) throws {
        k = try node.int("k", default: 0)
        if let code = try node.int("dtype") {
            guard let dtype = DType(onnxCode: code) else {
                throw node.attributeError("dtype", "data type \(code) is not supported", kind: .unsupported)
            }
            self.dtype = dtype
        } else {
            dtype = nil
        }
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = ["k": .int(k)]
        if let dtype { v["dtype"] = .int(dtype.onnxCode) }
        return v
    }
}

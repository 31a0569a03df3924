/// `SequenceEmpty`'s `dtype`: the element type of the empty sequence (float32 when absent).
public struct SequenceEmptyAttributes: OpAttributes {
    public static let names = ["dtype"]

    public var dtype: DType

    public init(node: Node) throws {
        guard let code = try node.int("dtype") else {
            dtype = .float32
            return
        }
        guard let dtype = DType(onnxCode: code) else {
            throw node.attributeError("dtype", "data type \(code) is not supported", kind: .unsupported)
        }
        self.dtype = dtype
    }

    public var values: [String: Attribute] { ["dtype": .int(dtype.onnxCode)] }
}

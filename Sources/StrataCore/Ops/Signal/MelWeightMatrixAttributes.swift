/// The attribute of `MelWeightMatrix`: the output's element type (`output_datatype`, an ONNX data
/// type number, default float32; a float or integer type).
public struct MelWeightMatrixAttributes: OpAttributes {
    public static let names = ["output_datatype"]

    public var dtype: DType

    public init(node: Node) throws {
        let code = try node.int("output_datatype", default: 1)
        guard let dtype = DType(onnxCode: code), dtype.isFloatingPoint || dtype.isInteger else {
            throw node.attributeError("output_datatype", "element type \(code) is not supported", kind: .unsupported)
        }
        self.dtype = dtype
    }

    public var values: [String: Attribute] { ["output_datatype": .int(dtype.onnxCode)] }
}

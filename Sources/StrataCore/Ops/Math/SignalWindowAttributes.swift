/// The attributes of `HannWindow`, `HammingWindow` and `BlackmanWindow`: periodic (default) or
/// symmetric, and the output dtype (an ONNX data type number, float or integer; default float32).
public struct SignalWindowAttributes: OpAttributes {
    public static let names = ["periodic", "output_datatype"]

    public var periodic: Bool
    public var dtype: DType

    public init(node: Node) throws {
        periodic = try node.flag("periodic", default: true)
        let code = try node.int("output_datatype", default: 1)
        guard let dtype = DType(onnxCode: code), dtype.isFloatingPoint || dtype.isInteger else {
            throw node.attributeError("output_datatype", "element type \(code) is not supported", kind: .unsupported)
        }
        self.dtype = dtype
    }

    public var values: [String: Attribute] { ["periodic": .flag(periodic), "output_datatype": .int(dtype.onnxCode)] }
}

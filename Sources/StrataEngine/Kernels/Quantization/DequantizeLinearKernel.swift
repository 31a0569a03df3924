import StrataCore

/// ONNX `DequantizeLinear`: `y = (x - x_zero_point) · x_scale`, per tensor, per axis or blocked
/// (see `QuantizationLayout`). The difference is exact in integers, the product a float32 one
/// (as onnxruntime and the reference compute it); the result has the scale's dtype, or
/// `output_dtype` (opset 23). x is uint8, int8, uint16, int16 or int32.
struct DequantizeLinearKernel: Kernel {
    let node: Node
    let axis: Int
    let blockSize: Int
    let outputDType: DType?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(QuantizeAttributes.self)
        axis = attributes.axis
        blockSize = attributes.blockSize
        if let code = attributes.outputDTypeCode {
            guard let dtype = DType(onnxCode: code), dtype == .float32 || dtype == .float16 || dtype == .bfloat16 else {
                throw node.attributeError("output_dtype", "element type \(code) is not a float type", kind: .unsupported)
            }
            outputDType = dtype
        } else {
            outputDType = nil
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let (x, scale) = (try args.tensor(0), try args.tensor(1))
        let zeroPoint = args.optional(2)
        guard x.dtype == .int32 || QuantizedInteger.range(x.dtype) != nil else {
            throw node.error("x has dtype \(x.dtype.rawValue); DequantizeLinear takes uint8, int8, uint16, int16 or int32",
                             kind: .unsupported)
        }
        let scales = try QuantizedInteger.scales(scale, "x_scale", node: node)
        let layout = try QuantizationLayout(data: x.shape, parameter: scale.shape, axis: axis, blockSize: blockSize,
                                            name: "x_scale", node: node)
        let zeroPoints = try QuantizedInteger.zeroPoints(zeroPoint, matching: x.dtype, "x_zero_point", node: node)
        if let zeroPoint, zeroPoint.shape != scale.shape, !(zeroPoint.count == 1 && scale.count == 1) {
            throw node.error("x_zero_point \(zeroPoint.shape) and x_scale \(scale.shape) differ in shape", kind: .invalidInput)
        }
        let y = try Tensor(dtype: .float32, shape: x.shape)
        let out = y.pointer(as: Float.self)
        func compute<T: BinaryInteger>(_: T.Type) {
            let src = x.pointer(as: T.self)
            layout.forEachRun { start, count, parameter, stride in
                for j in 0..<count {
                    let p = parameter + j * stride
                    let zero = zeroPoints.count == 1 ? zeroPoints[0] : zeroPoints[p]
                    out[start + j] = Float(Int(src[start + j]) - zero) * scales[p]
                }
            }
        }
        switch x.dtype {
        case .uint8: compute(UInt8.self)
        case .int8: compute(Int8.self)
        case .uint16: compute(UInt16.self)
        case .int16: compute(Int16.self)
        default: compute(Int32.self)
        }
        let dtype = outputDType ?? scale.dtype
        return [dtype == .float32 ? y : try y.converted(to: dtype, context: context)]
    }
}

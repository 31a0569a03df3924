import StrataCore

/// ONNX `DequantizeLinear`: `y = (x - x_zero_point) · x_scale`, per tensor, per axis or blocked
/// (see `QuantizationLayout`). The difference is exact in integers, the product a float32 one
/// (as onnxruntime and the reference compute it); the result has the scale's dtype, or
/// `output_dtype` (opset 23). x is uint8, int8, uint16, int16, int32, a 4- or 2-bit integer, or a
/// low-bit float: float8 and float4e2m1 values are converted to float32 and scaled, as onnx's
/// reference does (a float8 zero point must be zero; float4e2m1's is not subtracted).
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
        guard x.dtype == .int32 || QuantizedInteger.range(x.dtype) != nil || x.dtype.isLowBit else {
            throw node.error("x has dtype \(x.dtype.rawValue); DequantizeLinear takes uint8, int8, uint16, int16, int32, int4, uint4, "
                             + "int2, uint2, float8e4m3fn, float8e5m2, float8e4m3fnuz, float8e5m2fnuz or float4e2m1", kind: .unsupported)
        }
        let scales = try QuantizedInteger.scales(scale, "x_scale", node: node)
        let layout = try QuantizationLayout(data: x.shape, parameter: scale.shape, axis: axis, blockSize: blockSize,
                                            name: "x_scale", node: node)
        if let zeroPoint, zeroPoint.shape != scale.shape, !(zeroPoint.count == 1 && scale.count == 1) {
            throw node.error("x_zero_point \(zeroPoint.shape) and x_scale \(scale.shape) differ in shape", kind: .invalidInput)
        }
        let format = LowBitFloat(x.dtype)
        var zeroPoints = [0]
        if let format, let zeroPoint {
            guard zeroPoint.dtype == x.dtype else {
                throw node.error("x_zero_point has dtype \(zeroPoint.dtype.rawValue) but the quantized values are \(x.dtype.rawValue)",
                                 kind: .invalidInput)
            }
            if format != .e2m1, zeroPoint.floats().contains(where: { $0 != 0 }) {
                throw node.error("x_zero_point must be zero for \(x.dtype.rawValue) inputs", kind: .invalidInput)
            }
        } else if format == nil {
            zeroPoints = try QuantizedInteger.zeroPoints(zeroPoint, matching: x.dtype, "x_zero_point", node: node)
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
        case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1:
            let src = x.rawPointer.assumingMemoryBound(to: UInt8.self)
            layout.forEachRun { start, count, parameter, stride in
                for j in 0..<count { out[start + j] = format!.value(src[start + j]) * scales[parameter + j * stride] }
            }
        case .uint8, .uint4, .uint2: compute(UInt8.self)
        case .int8, .int4, .int2: compute(Int8.self)
        case .uint16: compute(UInt16.self)
        case .int16: compute(Int16.self)
        default: compute(Int32.self)
        }
        let dtype = outputDType ?? scale.dtype
        return [dtype == .float32 ? y : try y.converted(to: dtype, context: context)]
    }
}

import StrataCore

/// ONNX `QuantizeLinear`: `y = saturate(round(x / y_scale) + y_zero_point)`, rounding half to even,
/// per tensor, per axis or blocked (see `QuantizationLayout`). Output dtype: the zero point's,
/// else `output_dtype`, else uint8; uint8, int8, uint16, int16, the 4- and 2-bit integers, or a
/// low-bit float. As onnx's reference computes them: float8 outputs are the quotient converted
/// (`saturate` clipping to the largest finite value; a float8 zero point must be zero), float4e2m1
/// outputs the quotient plus the zero point, converted saturating (see `LowBitFloat`). The quotient is rounded to the precision of x and the scale, as numpy divides
/// them: float16 and bfloat16 (both operands) in their own precision, int32 x in float64.
struct QuantizeLinearKernel: Kernel {
    let node: Node
    let axis: Int
    let blockSize: Int
    let outputDType: DType?
    let saturate: Bool

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(QuantizeAttributes.self)
        axis = attributes.axis
        blockSize = attributes.blockSize
        saturate = attributes.saturate
        if let code = attributes.outputDTypeCode {
            guard let dtype = DType(onnxCode: code), QuantizedInteger.range(dtype) != nil || dtype.isLowBit else {
                throw node.attributeError("output_dtype", "element type \(code) is not supported (uint8, int8, uint16, int16, "
                                          + "int4, uint4, int2, uint2, float8e4m3fn, float8e5m2, float8e4m3fnuz, float8e5m2fnuz, float4e2m1)", kind: .unsupported)
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
        let dtype = zeroPoint?.dtype ?? outputDType ?? .uint8
        if let outputDType, outputDType != dtype {
            throw node.attributeError("output_dtype", "is \(outputDType.rawValue) but the zero point is \(dtype.rawValue)")
        }
        let scales = try QuantizedInteger.scales(scale, "y_scale", node: node)
        let layout = try QuantizationLayout(data: x.shape, parameter: scale.shape, axis: axis, blockSize: blockSize,
                                            name: "y_scale", node: node)
        if let zeroPoint, zeroPoint.shape != scale.shape, !(zeroPoint.count == 1 && scale.count == 1) {
            throw node.error("y_zero_point \(zeroPoint.shape) and y_scale \(scale.shape) differ in shape", kind: .invalidInput)
        }
        let quotient = try Self.quotient(x, scale.dtype, node: node)
        if let format = LowBitFloat(dtype) {
            return [try Self.floats(format, dtype, quotient, scales, zeroPoint, layout, shape: x.shape, saturate: saturate, node: node)]
        }
        guard let range = QuantizedInteger.range(dtype) ?? QuantizedInteger.lowBitRange(dtype) else {
            throw node.error("the output has dtype \(dtype.rawValue); QuantizeLinear writes uint8, int8, uint16, int16, int4, uint4, "
                             + "int2, uint2, float8e4m3fn, float8e5m2, float8e4m3fnuz, float8e5m2fnuz or float4e2m1", kind: .unsupported)
        }
        let zeroPoints = try QuantizedInteger.zeroPoints(zeroPoint, matching: dtype, "y_zero_point", node: node)
        let y = try QuantizedInteger.make(dtype, shape: x.shape, layout: layout) { i, p in
            QuantizedInteger.saturate(quotient(i, scales[p]), zeroPoint: zeroPoints.count == 1 ? zeroPoints[0] : zeroPoints[p],
                                      range: range)
        }
        return [y]
    }

    /// The low-bit float output: float8 holds the quotient (its zero point must be zero), float4e2m1
    /// the quotient plus the zero point in float32.
    private static func floats(_ format: LowBitFloat, _ dtype: DType, _ quotient: (Int, Float) -> Double, _ scales: [Float],
                               _ zeroPoint: Tensor?, _ layout: QuantizationLayout, shape: [Int], saturate: Bool,
                               node: Node) throws -> Tensor {
        var zeros: [Float] = [0]
        if let zeroPoint {
            guard zeroPoint.dtype == dtype else {
                throw node.error("y_zero_point has dtype \(zeroPoint.dtype.rawValue) but the quantized values are \(dtype.rawValue)",
                                 kind: .invalidInput)
            }
            zeros = zeroPoint.floats()
            if format != .e2m1, zeros.contains(where: { $0 != 0 }) {
                throw node.error("y_zero_point must be zero for \(dtype.rawValue) outputs", kind: .invalidInput)
            }
        }
        let y = try Tensor(dtype: dtype, shape: shape)
        let out = y.rawPointer.assumingMemoryBound(to: UInt8.self)
        layout.forEachRun { start, count, parameter, stride in
            for j in 0..<count {
                let p = parameter + j * stride
                let q = quotient(start + j, scales[p])
                let value = format == .e2m1 ? Double(Float(q) + (zeros.count == 1 ? zeros[0] : zeros[p])) : q
                out[start + j] = format.bits(value, saturate: saturate)
            }
        }
        return y
    }

    /// `x[i] / scale` in the precision numpy divides x and a `scaleType` scale in.
    private static func quotient(_ x: Tensor, _ scaleType: DType, node: Node) throws -> (Int, Float) -> Double {
        switch x.dtype {
        case .float32:
            let p = x.pointer(as: Float.self)
            return { i, s in Double(p[i] / s) }
        case .float16:
            let p = x.pointer(as: Float16.self)
            if scaleType == .float16 { return { i, s in Double(Float(p[i] / Float16(s))) } }
            return { i, s in Double(Float(p[i]) / s) }
        case .bfloat16:
            let p = x.pointer(as: UInt16.self)
            let own = scaleType == .bfloat16
            return { i, s in
                let q = Float(bitPattern: UInt32(p[i]) << 16) / s
                return Double(own ? BFloat16Bits(q).floatValue : q)
            }
        case .int32:
            let p = x.pointer(as: Int32.self)
            return { i, s in Double(p[i]) / Double(s) }
        default:
            throw node.error("x has dtype \(x.dtype.rawValue); QuantizeLinear takes float32, float16, bfloat16 or int32",
                             kind: .invalidInput)
        }
    }
}

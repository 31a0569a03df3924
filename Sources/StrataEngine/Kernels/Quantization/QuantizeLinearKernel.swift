import StrataCore

/// ONNX `QuantizeLinear`: `y = saturate(round(x / y_scale) + y_zero_point)`, rounding half to even,
/// per tensor, per axis or blocked (see `QuantizationLayout`). Output dtype: the zero point's,
/// else `output_dtype`, else uint8; uint8, int8, uint16 and int16 (4-bit and float8 types have no
/// Strata dtype). The quotient is rounded to the precision of x and the scale, as numpy divides
/// them: float16 and bfloat16 (both operands) in their own precision, int32 x in float64.
struct QuantizeLinearKernel: Kernel {
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
            guard let dtype = DType(onnxCode: code), QuantizedInteger.range(dtype) != nil else {
                throw node.attributeError("output_dtype", "element type \(code) is not supported (uint8, int8, uint16, int16)",
                                          kind: .unsupported)
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
        let range = try QuantizedInteger.requireRange(dtype, "the output", node: node)
        let scales = try QuantizedInteger.scales(scale, "y_scale", node: node)
        let layout = try QuantizationLayout(data: x.shape, parameter: scale.shape, axis: axis, blockSize: blockSize,
                                            name: "y_scale", node: node)
        let zeroPoints = try QuantizedInteger.zeroPoints(zeroPoint, matching: dtype, "y_zero_point", node: node)
        if let zeroPoint, zeroPoint.shape != scale.shape, !(zeroPoint.count == 1 && scale.count == 1) {
            throw node.error("y_zero_point \(zeroPoint.shape) and y_scale \(scale.shape) differ in shape", kind: .invalidInput)
        }
        let quotient = try Self.quotient(x, scale.dtype, node: node)
        let y = try QuantizedInteger.make(dtype, shape: x.shape, layout: layout) { i, p in
            QuantizedInteger.saturate(quotient(i, scales[p]), zeroPoint: zeroPoints.count == 1 ? zeroPoints[0] : zeroPoints[p],
                                      range: range)
        }
        return [y]
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

import StrataCore

/// The integer element types quantized tensors hold (uint8, int8, uint16, int16; int32 for
/// biases and accumulators), and the steps every quantized op shares: reading them widened to
/// 32 bits, rounding half to even, adding the zero point and saturating.
enum QuantizedInteger {
    /// Saturation bounds of `dtype` as a quantized type; nil for dtypes that cannot be one.
    static func range(_ dtype: DType) -> ClosedRange<Int>? {
        switch dtype {
        case .uint8: return 0...255
        case .int8: return -128...127
        case .uint16: return 0...65535
        case .int16: return -32768...32767
        default: return nil
        }
    }

    /// Saturation bounds of the 4- and 2-bit integer types, which only QuantizeLinear and
    /// DequantizeLinear take (held one per byte, as int8 or uint8); nil for other dtypes.
    static func lowBitRange(_ dtype: DType) -> ClosedRange<Int>? {
        switch dtype {
        case .int4: return -8...7
        case .uint4: return 0...15
        case .int2: return -2...1
        case .uint2: return 0...3
        default: return nil
        }
    }

    /// The bounds of `dtype`, or an `.unsupported` error naming `what` and the node.
    static func requireRange(_ dtype: DType, _ what: String, node: Node) throws -> ClosedRange<Int> {
        guard let range = range(dtype) else {
            throw node.error("\(what) has dtype \(dtype.rawValue); quantized values are uint8, int8, uint16 or int16", kind: .unsupported)
        }
        return range
    }

    /// `value` rounded half to even, plus `zeroPoint`, saturated to `range`; NaN counts as 0.
    @inline(__always)
    static func saturate(_ value: Double, zeroPoint: Int, range: ClosedRange<Int>) -> Int {
        let rounded = value.isNaN ? 0 : value.rounded(.toNearestOrEven) + Double(zeroPoint)
        if rounded <= Double(range.lowerBound) { return range.lowerBound }
        if rounded >= Double(range.upperBound) { return range.upperBound }
        return Int(rounded)
    }

    /// The values of an integer tensor (uint8, int8, uint16, int16, int32) as a new int32 tensor of
    /// the same shape, minus `zeroPoint(parameter)` laid out by `layout` (nil: nothing subtracted).
    static func widened(_ t: Tensor, minus zeroPoints: [Int]? = nil, layout: QuantizationLayout? = nil,
                        _ what: String, node: Node) throws -> Tensor {
        let out = try Tensor(dtype: .int32, shape: t.shape)
        let dst = out.pointer(as: Int32.self)
        func copy<T: BinaryInteger>(_: T.Type) {
            let src = t.pointer(as: T.self)
            guard let zeroPoints, let layout else {
                for i in 0..<t.count { dst[i] = Int32(truncatingIfNeeded: src[i]) }
                return
            }
            layout.forEachRun { start, count, parameter, stride in
                for j in 0..<count {
                    dst[start + j] = Int32(truncatingIfNeeded: Int(src[start + j]) - zeroPoints[parameter + j * stride])
                }
            }
        }
        switch t.dtype {
        case .uint8: copy(UInt8.self)
        case .int8: copy(Int8.self)
        case .uint16: copy(UInt16.self)
        case .int16: copy(Int16.self)
        case .int32: copy(Int32.self)
        default:
            throw node.error("\(what) has dtype \(t.dtype.rawValue); expected an integer type (uint8, int8, uint16, int16, int32)",
                             kind: .invalidInput)
        }
        return out
    }

    /// A new `dtype` tensor of `shape` whose element `i` is `value(i)`, which the caller has
    /// saturated to `range(dtype)`.
    static func make(_ dtype: DType, shape: [Int], _ value: (Int) -> Int) throws -> Tensor {
        let out = try Tensor(dtype: dtype, shape: shape)
        func fill<T: FixedWidthInteger>(_: T.Type) {
            let p = out.pointer(as: T.self)
            for i in 0..<out.count { p[i] = T(clamping: value(i)) }
        }
        switch dtype {
        case .uint8: fill(UInt8.self)
        case .int8: fill(Int8.self)
        case .uint16: fill(UInt16.self)
        case .int16: fill(Int16.self)
        case .int32: fill(Int32.self)
        default: preconditionFailure("\(dtype) is not a quantized type")
        }
        return out
    }

    /// A new `dtype` tensor of `shape` whose element `i` is `value(i, p)`, `p` being the index of
    /// its parameter under `layout`; the caller saturates to `range(dtype)`.
    static func make(_ dtype: DType, shape: [Int], layout: QuantizationLayout, _ value: (Int, Int) -> Int) throws -> Tensor {
        let out = try Tensor(dtype: dtype, shape: shape)
        func fill<T: FixedWidthInteger>(_: T.Type) {
            let p = out.pointer(as: T.self)
            layout.forEachRun { start, count, parameter, stride in
                for j in 0..<count { p[start + j] = T(clamping: value(start + j, parameter + j * stride)) }
            }
        }
        switch dtype {
        case .uint8, .uint4, .uint2: fill(UInt8.self)
        case .int8, .int4, .int2: fill(Int8.self)
        case .uint16: fill(UInt16.self)
        case .int16: fill(Int16.self)
        case .int32: fill(Int32.self)
        default: preconditionFailure("\(dtype) is not a quantized type")
        }
        return out
    }

    /// The zero points in `t` (all 0 when absent), checked to have `dtype`'s type; `what` names it.
    static func zeroPoints(_ t: Tensor?, matching dtype: DType, _ what: String, node: Node) throws -> [Int] {
        guard let t else { return [0] }
        guard t.dtype == dtype else {
            throw node.error("\(what) has dtype \(t.dtype.rawValue) but the quantized values are \(dtype.rawValue)", kind: .invalidInput)
        }
        return t.ints()
    }

    /// The scales in `t` as floats, which must be float32, float16 or bfloat16; `what` names it.
    static func scales(_ t: Tensor, _ what: String, node: Node) throws -> [Float] {
        guard t.dtype == .float32 || t.dtype == .float16 || t.dtype == .bfloat16 else {
            throw node.error("\(what) has dtype \(t.dtype.rawValue); scales are float32, float16 or bfloat16", kind: .invalidInput)
        }
        return t.floats()
    }

    /// `a · b / c` computed in the precision of the scales' dtype, as the reference computes
    /// a requantization multiplier from float32 or float16 scales.
    static func multiplier(_ a: Float, _ b: Float, over c: Float, in dtype: DType) -> Float {
        switch dtype {
        case .float16: return Float(Float16(a) * Float16(b) / Float16(c))
        case .bfloat16:
            let product = BFloat16Bits(a * b).floatValue
            return BFloat16Bits(product / c).floatValue
        default: return a * b / c
        }
    }

    /// An int32 sum requantized as onnxruntime's MLAS does it (`MlasRequantizeOutput`): the sum
    /// converted to float32, multiplied by `multiplier` in float32, rounded half to even, plus
    /// `zeroPoint`, saturated to `range`.
    @inline(__always)
    static func requantize(_ sum: Int32, by multiplier: Float, zeroPoint: Int, range: ClosedRange<Int>) -> Int {
        saturate(Double(Float(sum) * multiplier), zeroPoint: zeroPoint, range: range)
    }
}

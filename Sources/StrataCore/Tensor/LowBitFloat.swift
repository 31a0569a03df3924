/// The small float formats Strata holds one element per byte: float8 E4M3FN and E5M2, their FNUZ
/// variants E4M3FNUZ and E5M2FNUZ, and float4 E2M1, as ONNX and ml_dtypes define them. A value is its
/// bit pattern in the low bits of a byte.
///
/// Conversion from wider floats rounds to nearest, ties to even. Out of range values follow
/// ml_dtypes's `astype` unless `saturate` is asked for (ONNX's `saturate=1`, the default of
/// QuantizeLinear and Cast): E4M3FN (which has no infinities) overflows to NaN, E5M2 to ±inf;
/// saturating, both clip to ±their largest finite value, infinities included. E2M1 has neither
/// infinities nor NaN and always saturates; NaN becomes a zero whose sign is the opposite of the
/// NaN's, as ml_dtypes 0.5 and later convert it. The FNUZ formats have an exponent bias one larger, no
/// infinities and no negative zero: their one NaN is the pattern 0x80, which is also where they
/// overflow without saturation.
public enum LowBitFloat: Sendable {
    case e4m3fn, e5m2, e2m1, e4m3fnuz, e5m2fnuz

    /// The format of `dtype`, nil for dtypes that are not low-bit floats.
    public init?(_ dtype: DType) {
        switch dtype {
        case .float8e4m3fn: self = .e4m3fn
        case .float8e5m2: self = .e5m2
        case .float8e4m3fnuz: self = .e4m3fnuz
        case .float8e5m2fnuz: self = .e5m2fnuz
        case .float4e2m1: self = .e2m1
        default: return nil
        }
    }

    private var exponentBits: Int {
        switch self {
        case .e4m3fn, .e4m3fnuz: return 4
        case .e5m2, .e5m2fnuz: return 5
        case .e2m1: return 2
        }
    }

    private var mantissaBits: Int {
        switch self {
        case .e4m3fn, .e4m3fnuz: return 3
        case .e5m2, .e5m2fnuz: return 2
        case .e2m1: return 1
        }
    }

    private var bias: Int { (1 << (exponentBits - 1)) - (isFNUZ ? 0 : 1) }

    private var isFNUZ: Bool { self == .e4m3fnuz || self == .e5m2fnuz }

    /// The largest finite value: 448, 57344, 6, 240 and 57344.
    public var largestFinite: Double {
        switch self {
        case .e4m3fn: return 448
        case .e4m3fnuz: return 240
        case .e5m2, .e5m2fnuz: return 57344
        case .e2m1: return 6
        }
    }

    private var signBit: UInt8 { UInt8(1) << (exponentBits + mantissaBits) }

    /// The value of bit pattern `bits` (only the format's low bits are read).
    public func value(_ bits: UInt8) -> Float {
        let mantissaMask = (1 << mantissaBits) - 1
        let exponentMask = (1 << exponentBits) - 1
        let code = Int(bits)
        let mantissa = code & mantissaMask
        let exponent = (code >> mantissaBits) & exponentMask
        let negative = bits & signBit != 0
        switch self {
        case .e4m3fnuz where bits == signBit, .e5m2fnuz where bits == signBit:
            return -.nan  // the sign bit is set, and ml_dtypes gives this NaN negative
        case .e4m3fn where exponent == exponentMask && mantissa == mantissaMask:
            return negative ? -.nan : .nan
        case .e5m2 where exponent == exponentMask:
            if mantissa != 0 { return negative ? -.nan : .nan }
            return negative ? -.infinity : .infinity
        default:
            break
        }
        let magnitude: Double
        if exponent == 0 {
            magnitude = Double(mantissa) * Self.power(1 - bias - mantissaBits)
        } else {
            magnitude = Double((1 << mantissaBits) | mantissa) * Self.power(exponent - bias - mantissaBits)
        }
        return Float(negative ? -magnitude : magnitude)
    }

    /// The bit pattern nearest to `x` (ties to even), out of range values as the type describes.
    public func bits(_ x: Double, saturate: Bool) -> UInt8 {
        let negative = x.sign == .minus
        let sign = negative ? signBit : 0
        if x.isNaN {
            switch self {
            case .e4m3fn: return sign | 0x7F
            case .e5m2: return sign | 0x7E
            case .e2m1: return negative ? 0 : signBit
            case .e4m3fnuz, .e5m2fnuz: return signBit
            }
        }
        let saturating = saturate || self == .e2m1
        var magnitude = x.magnitude
        if magnitude > largestFinite {
            if saturating { magnitude = largestFinite } else if x.isInfinite { return overflow(sign) }
        }
        let smallestNormalExponent = 1 - bias
        let exponent = magnitude < Self.power(smallestNormalExponent) ? smallestNormalExponent : Int(magnitude.exponent)
        let quantum = Self.power(exponent - mantissaBits)
        // Scaling by a power of two is exact, so this rounds the value itself to the format's step.
        let steps = (magnitude / quantum).rounded(.toNearestOrEven)
        let rounded = steps * quantum
        if rounded > largestFinite { return overflow(sign) }
        if rounded == 0 { return isFNUZ ? 0 : sign }
        let roundedExponent = rounded < Self.power(smallestNormalExponent) ? 0 : Int(rounded.exponent) + bias
        let mantissa = roundedExponent == 0
            ? Int(rounded / Self.power(smallestNormalExponent - mantissaBits))
            : Int(rounded / Self.power(roundedExponent - bias - mantissaBits)) - (1 << mantissaBits)
        return sign | UInt8(roundedExponent << mantissaBits | mantissa)
    }

    /// The pattern for a value too large to hold without saturation: NaN for E4M3FN and the FNUZ
    /// formats, ±inf for E5M2.
    private func overflow(_ sign: UInt8) -> UInt8 {
        switch self {
        case .e4m3fn: return sign | 0x7F
        case .e5m2: return sign | 0x7C
        case .e2m1: return sign | 0x07
        case .e4m3fnuz, .e5m2fnuz: return signBit
        }
    }

    private static func power(_ e: Int) -> Double { Double(sign: .plus, exponent: e, significand: 1) }
}

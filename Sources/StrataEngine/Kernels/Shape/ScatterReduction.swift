import StrataCore

/// How ScatterND and ScatterElements combine an update with the value already in place:
/// replace (`none`), or `add`/`mul` (opset 16+), `max`/`min` (opset 18+).
enum ScatterReduction: String, Sendable {
    case none, add, mul, max, min

    init(_ reduction: ScatterAttributes.Reduction) {
        switch reduction {
        case .none: self = .none
        case .add: self = .add
        case .mul: self = .mul
        case .max: self = .max
        case .min: self = .min
        }
    }

    /// Combines `count` elements at `source` into `target`, both of `dtype`.
    func apply(_ dtype: DType, into target: UnsafeMutableRawPointer, from source: UnsafeRawPointer, count: Int,
               node: Node) throws {
        if self == .none {
            target.copyMemory(from: source, byteCount: count * dtype.byteSize)
            return
        }
        switch dtype {
        case .float32: combineFloats(Float.self, target, source, count)
        case .float64: combineFloats(Double.self, target, source, count)
        case .float16: combineFloats(Float16.self, target, source, count)
        case .int8: combineIntegers(Int8.self, target, source, count)
        case .int16: combineIntegers(Int16.self, target, source, count)
        case .int32: combineIntegers(Int32.self, target, source, count)
        case .int64: combineIntegers(Int64.self, target, source, count)
        case .uint8: combineIntegers(UInt8.self, target, source, count)
        case .uint16: combineIntegers(UInt16.self, target, source, count)
        case .uint32: combineIntegers(UInt32.self, target, source, count)
        case .uint64: combineIntegers(UInt64.self, target, source, count)
        case .bfloat16, .bool, .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1, .int4, .uint4, .int2, .uint2:
            throw node.error("reduction '\(rawValue)' of \(dtype.rawValue) is not supported", kind: .unsupported)
        }
    }

    private func combineFloats<T: BinaryFloatingPoint>(_: T.Type, _ target: UnsafeMutableRawPointer,
                                                       _ source: UnsafeRawPointer, _ count: Int) {
        let t = target.assumingMemoryBound(to: T.self), s = source.assumingMemoryBound(to: T.self)
        for i in 0..<count {
            switch self {
            case .add: t[i] += s[i]
            case .mul: t[i] *= s[i]
            case .max: t[i] = Swift.max(t[i], s[i])
            case .min: t[i] = Swift.min(t[i], s[i])
            case .none: t[i] = s[i]
            }
        }
    }

    private func combineIntegers<T: FixedWidthInteger>(_: T.Type, _ target: UnsafeMutableRawPointer,
                                                       _ source: UnsafeRawPointer, _ count: Int) {
        let t = target.assumingMemoryBound(to: T.self), s = source.assumingMemoryBound(to: T.self)
        for i in 0..<count {
            switch self {
            case .add: t[i] = t[i] &+ s[i]
            case .mul: t[i] = t[i] &* s[i]
            case .max: t[i] = Swift.max(t[i], s[i])
            case .min: t[i] = Swift.min(t[i], s[i])
            case .none: t[i] = s[i]
            }
        }
    }
}

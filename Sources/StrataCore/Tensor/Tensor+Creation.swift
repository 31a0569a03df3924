import Foundation

extension Tensor {
    /// A tensor holding a copy of `values`, which must have exactly as many elements as `shape`
    /// (a programmer invariant). The values are already in memory, so the copy is never refused by
    /// `MemoryLimit` (see `TensorStorage(copying:)`).
    public init(_ values: [Float], shape: [Int]) {
        self.init(copying: values, dtype: .float32, shape: shape)
    }

    public init(_ values: [Int64], shape: [Int]) {
        self.init(copying: values, dtype: .int64, shape: shape)
    }

    public init(_ values: [Int32], shape: [Int]) {
        self.init(copying: values, dtype: .int32, shape: shape)
    }

    public init(_ values: [Bool], shape: [Int]) {
        self.init(copying: values.map { $0 ? UInt8(1) : UInt8(0) }, dtype: .bool, shape: shape)
    }

    private init<Element>(copying values: [Element], dtype: DType, shape: [Int]) {
        precondition(shape.checkedElementCount == values.count, "\(values.count) values do not fill shape \(shape)")
        let storage = values.withUnsafeBytes { TensorStorage(copying: $0) }
        self.init(dtype: dtype, shape: shape, storage: storage)
    }

    public static func scalar(_ value: Float) -> Tensor { Tensor([value], shape: []) }
    public static func scalar(_ value: Int64) -> Tensor { Tensor([value], shape: []) }

    /// A deep copy with its own storage.
    public func copy() throws -> Tensor {
        let out = try Tensor(dtype: dtype, shape: shape)
        out.rawPointer.copyMemory(from: rawPointer, byteCount: byteCount)
        return out
    }
}

extension Tensor {
    /// Elements as `Float`, converting from any numeric dtype (for tests and small tensors).
    public func floats() -> [Float] {
        (0..<count).map { Float(doubleValue(at: $0)) }
    }

    /// Elements as `Int`, converting from any dtype (shape tensors, indices).
    public func ints() -> [Int] {
        (0..<count).map { intValue(at: $0) }
    }

    public func doubleValue(at i: Int) -> Double {
        let p = rawPointer
        switch dtype {
        case .float32: return Double(p.assumingMemoryBound(to: Float.self)[i])
        case .float64: return p.assumingMemoryBound(to: Double.self)[i]
        case .float16: return Double(Float(p.assumingMemoryBound(to: Float16.self)[i]))
        case .bfloat16:
            let bits = UInt32(p.assumingMemoryBound(to: UInt16.self)[i]) << 16
            return Double(Float(bitPattern: bits))
        case .int8: return Double(p.assumingMemoryBound(to: Int8.self)[i])
        case .int16: return Double(p.assumingMemoryBound(to: Int16.self)[i])
        case .int32: return Double(p.assumingMemoryBound(to: Int32.self)[i])
        case .int64: return Double(p.assumingMemoryBound(to: Int64.self)[i])
        case .uint8, .bool: return Double(p.assumingMemoryBound(to: UInt8.self)[i])
        case .uint16: return Double(p.assumingMemoryBound(to: UInt16.self)[i])
        case .uint32: return Double(p.assumingMemoryBound(to: UInt32.self)[i])
        case .uint64: return Double(p.assumingMemoryBound(to: UInt64.self)[i])
        case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1:
            return Double(LowBitFloat(dtype)!.value(p.assumingMemoryBound(to: UInt8.self)[i]))
        case .int4, .int2: return Double(p.assumingMemoryBound(to: Int8.self)[i])
        case .uint4, .uint2: return Double(p.assumingMemoryBound(to: UInt8.self)[i])
        }
    }

    public func intValue(at i: Int) -> Int {
        let p = rawPointer
        switch dtype {
        case .int64: return Int(p.assumingMemoryBound(to: Int64.self)[i])
        case .int32: return Int(p.assumingMemoryBound(to: Int32.self)[i])
        case .int16: return Int(p.assumingMemoryBound(to: Int16.self)[i])
        case .int8, .int4, .int2: return Int(p.assumingMemoryBound(to: Int8.self)[i])
        case .uint8, .bool, .uint4, .uint2: return Int(p.assumingMemoryBound(to: UInt8.self)[i])
        case .uint16: return Int(p.assumingMemoryBound(to: UInt16.self)[i])
        case .uint32: return Int(p.assumingMemoryBound(to: UInt32.self)[i])
        case .uint64: return Int(truncatingIfNeeded: p.assumingMemoryBound(to: UInt64.self)[i])
        default:
            let d = doubleValue(at: i)
            return d.isFinite ? Int(d) : 0
        }
    }
}

import StrataCore

extension Tensor {
    /// Elements `start ..< start + n` converted to `Float` (rounded to nearest where not exact; a bool is 0 or 1).
    func copyFloats(from start: Int, count n: Int, into out: UnsafeMutablePointer<Float>) {
        let raw = rawPointer
        switch dtype {
        case .float32: out.update(from: raw.assumingMemoryBound(to: Float.self) + start, count: n)
        case .float64: convert(raw.assumingMemoryBound(to: Double.self) + start, n, out) { Float($0) }
        case .float16: convert(raw.assumingMemoryBound(to: Float16.self) + start, n, out) { Float($0) }
        case .bfloat16: convert(raw.assumingMemoryBound(to: UInt16.self) + start, n, out) { Float(bitPattern: UInt32($0) << 16) }
        case .int8: convert(raw.assumingMemoryBound(to: Int8.self) + start, n, out) { Float($0) }
        case .int16: convert(raw.assumingMemoryBound(to: Int16.self) + start, n, out) { Float($0) }
        case .int32: convert(raw.assumingMemoryBound(to: Int32.self) + start, n, out) { Float($0) }
        case .int64: convert(raw.assumingMemoryBound(to: Int64.self) + start, n, out) { Float($0) }
        case .uint8: convert(raw.assumingMemoryBound(to: UInt8.self) + start, n, out) { Float($0) }
        case .bool: convert(raw.assumingMemoryBound(to: UInt8.self) + start, n, out) { $0 == 0 ? 0 : 1 }
        case .uint16: convert(raw.assumingMemoryBound(to: UInt16.self) + start, n, out) { Float($0) }
        case .uint32: convert(raw.assumingMemoryBound(to: UInt32.self) + start, n, out) { Float($0) }
        case .uint64: convert(raw.assumingMemoryBound(to: UInt64.self) + start, n, out) { Float($0) }
        case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1, .int4, .uint4, .int2, .uint2:
            for i in 0..<n { out[i] = Float(doubleValue(at: start + i)) }
        }
    }

    /// Elements `start ..< start + n` converted to `Double` (exact except for 64-bit integers beyond 2⁵³).
    func copyDoubles(from start: Int, count n: Int, into out: UnsafeMutablePointer<Double>) {
        let raw = rawPointer
        switch dtype {
        case .float64: out.update(from: raw.assumingMemoryBound(to: Double.self) + start, count: n)
        case .float32: convert(raw.assumingMemoryBound(to: Float.self) + start, n, out) { Double($0) }
        case .float16: convert(raw.assumingMemoryBound(to: Float16.self) + start, n, out) { Double($0) }
        case .bfloat16: convert(raw.assumingMemoryBound(to: UInt16.self) + start, n, out) { Double(Float(bitPattern: UInt32($0) << 16)) }
        case .int8: convert(raw.assumingMemoryBound(to: Int8.self) + start, n, out) { Double($0) }
        case .int16: convert(raw.assumingMemoryBound(to: Int16.self) + start, n, out) { Double($0) }
        case .int32: convert(raw.assumingMemoryBound(to: Int32.self) + start, n, out) { Double($0) }
        case .int64: convert(raw.assumingMemoryBound(to: Int64.self) + start, n, out) { Double($0) }
        case .uint8: convert(raw.assumingMemoryBound(to: UInt8.self) + start, n, out) { Double($0) }
        case .bool: convert(raw.assumingMemoryBound(to: UInt8.self) + start, n, out) { $0 == 0 ? 0 : 1 }
        case .uint16: convert(raw.assumingMemoryBound(to: UInt16.self) + start, n, out) { Double($0) }
        case .uint32: convert(raw.assumingMemoryBound(to: UInt32.self) + start, n, out) { Double($0) }
        case .uint64: convert(raw.assumingMemoryBound(to: UInt64.self) + start, n, out) { Double($0) }
        case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1, .int4, .uint4, .int2, .uint2:
            for i in 0..<n { out[i] = doubleValue(at: start + i) }
        }
    }

    /// The whole tensor as `Float`s (a copy).
    func floatArray() -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { copyFloats(from: 0, count: count, into: base) }
            initialized = count
        }
    }
}

@inline(__always)
private func convert<Source, Target>(
    _ source: UnsafePointer<Source>, _ n: Int, _ out: UnsafeMutablePointer<Target>, _ transform: (Source) -> Target
) {
    for i in 0 ..< n { out[i] = transform(source[i]) }
}

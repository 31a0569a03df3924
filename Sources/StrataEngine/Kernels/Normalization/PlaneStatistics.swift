/// Mean and population variance of a contiguous run of values, in two passes (the variance
/// from squared deviations, not from `E[x²] - E[x]²`). float32 runs add eight lanes at a time in
/// blocks whose partial sums are carried in double precision; other types add in double.
enum PlaneStatistics {
    static func meanAndVariance<T: BinaryFloatingPoint>(_ p: UnsafePointer<T>, count: Int) -> (mean: Double, variance: Double) {
        guard count > 0 else { return (0, 0) }
        if T.self == Float.self {
            return floatMeanAndVariance(UnsafeRawPointer(p).assumingMemoryBound(to: Float.self), count: count)
        }
        var sum = 0.0
        for i in 0..<count { sum += Double(p[i]) }
        let mean = sum / Double(count)
        var squares = 0.0
        for i in 0..<count {
            let d = Double(p[i]) - mean
            squares += d * d
        }
        return (mean, squares / Double(count))
    }

    private static let block = 512

    private static func floatMeanAndVariance(_ p: UnsafePointer<Float>, count: Int) -> (mean: Double, variance: Double) {
        let raw = UnsafeRawPointer(p)
        var sum = 0.0
        var start = 0
        while start < count {
            let end = Swift.min(count, start + block)
            var lanes = SIMD8<Float>(repeating: 0)
            var i = start
            while i + 8 <= end {
                lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                i += 8
            }
            var partial = Double(lanes.sum())
            while i < end { partial += Double(p[i]); i += 1 }
            sum += partial
            start = end
        }
        let mean = sum / Double(count)
        let m = SIMD8<Float>(repeating: Float(mean))
        var squares = 0.0
        start = 0
        while start < count {
            let end = Swift.min(count, start + block)
            var lanes = SIMD8<Float>(repeating: 0)
            var i = start
            while i + 8 <= end {
                let d = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m
                lanes += d * d
                i += 8
            }
            var partial = Double(lanes.sum())
            while i < end {
                let d = Double(p[i]) - mean
                partial += d * d
                i += 1
            }
            squares += partial
            start = end
        }
        return (mean, squares / Double(count))
    }
}

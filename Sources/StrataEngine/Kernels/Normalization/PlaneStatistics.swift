/// Mean and population variance of a contiguous run of values, accumulated in double precision
/// in two passes (the variance from squared deviations, not from `E[x²] - E[x]²`).
enum PlaneStatistics {
    static func meanAndVariance<T: BinaryFloatingPoint>(_ p: UnsafePointer<T>, count: Int) -> (mean: Double, variance: Double) {
        guard count > 0 else { return (0, 0) }
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
}

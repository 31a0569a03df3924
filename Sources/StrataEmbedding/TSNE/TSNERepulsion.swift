/// The repulsive half of the t-SNE gradient: for every point i the vector
/// `r_i = Σ_j w_ij² · (y_i − y_j)` with `w_ij = 1 / (1 + ‖y_i − y_j‖²)`, and the normalisation
/// `Z = Σ_{i≠j} w_ij`. The gradient is then `4 · (Σ_j p_ij·w_ij·(y_i − y_j) − r_i / Z)`.
protocol TSNERepulsion {
    /// Writes `r` (N × dims, row-major) for the embedding `y` (N × dims) and returns Z.
    mutating func repulsion(_ y: UnsafePointer<Double>, count n: Int, into r: UnsafeMutablePointer<Double>) -> Double
}

/// Every pair, O(N²) per iteration: the exact gradient for small N, in 2 or 3 dimensions.
struct ExactRepulsion: TSNERepulsion {
    let dims: Int
    let threads: Int

    mutating func repulsion(_ y: UnsafePointer<Double>, count n: Int, into r: UnsafeMutablePointer<Double>) -> Double {
        var partial = [Double](repeating: 0, count: n)
        let dims = dims
        partial.withUnsafeMutableBufferPointer { z in
            Parallel.forEachChunk(count: n, chunkSize: 32, threads: threads) { _, range in
                for i in range {
                    var sum = 0.0
                    var force = SIMD4<Double>()
                    var yi = SIMD4<Double>()
                    for c in 0 ..< dims { yi[c] = y[i * dims + c] }
                    for j in 0 ..< n where j != i {
                        var diff = SIMD4<Double>()
                        for c in 0 ..< dims { diff[c] = yi[c] - y[j * dims + c] }
                        let w = 1 / (1 + (diff * diff).sum())
                        sum += w
                        force += (w * w) * diff
                    }
                    z[i] = sum
                    for c in 0 ..< dims { r[i * dims + c] = force[c] }
                }
            }
        }
        return partial.reduce(0, +)
    }
}

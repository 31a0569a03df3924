import COpenBLAS
import Foundation
import StrataCore

/// Principal component analysis of a feature matrix: the data centred on its column means and
/// projected onto the `components` directions of largest variance.
///
/// Exactly (as scikit-learn's `PCA`): with `Xc = X − mean`, the covariance `C = Xcᵀ·Xc / (N − 1)`; the
/// components are its unit eigenvectors of the largest eigenvalues, in decreasing order; the
/// explained variance of a component is its eigenvalue, its ratio the eigenvalue over `trace(C)`;
/// the embedding is `Xc · components`. Each component's sign makes its entry of largest magnitude
/// positive (the first such entry on ties), as scikit-learn's `svd_flip(u_based_decision=False)` does,
/// so the result does not depend on the eigensolver's sign choice.
///
/// The solver (`Solver`) follows the matrix's shape: the D × D covariance for up to `exactLimit`
/// features, the N × N Gram matrix `Xc·Xcᵀ` for up to `exactLimit` rows, both solved by LAPACK's
/// `dsyevr` in double precision; beyond both, a randomized range finder (Halko, Martinsson and Tropp
/// 2011, as scikit-learn's `randomized_svd`: 10 extra columns, 7 power iterations each followed by a
/// QR) reduces the problem first.
public struct PCA: Sendable {
    /// How the components were computed.
    public enum Solver: String, Sendable {
        case covariance, gram, randomized
    }

    /// The result of `fit`.
    public struct Result: Sendable {
        /// N × components: the centred data projected onto the components.
        public var embedding: FeatureMatrix
        /// components × D: one unit row per component, largest variance first.
        public var components: FeatureMatrix
        /// The column means that were subtracted.
        public var mean: [Float]
        /// Variance along each component (eigenvalues of the covariance).
        public var explainedVariance: [Double]
        /// `explainedVariance` over the total variance (the trace of the covariance); 0 when the data
        /// has no variance.
        public var explainedVarianceRatio: [Double]
        public var solver: Solver
    }

    /// Number of components (the embedding's dimensions).
    public var components: Int
    /// Threads for BLAS and LAPACK.
    public var threads: Int
    /// The seed of the randomized solver's test matrix.
    public var seed: UInt64

    /// The largest side of a covariance or Gram matrix solved exactly.
    public static let exactLimit = 4096

    public init(components: Int = 2, threads: Int = 1, seed: UInt64 = 0) {
        self.components = components
        self.threads = threads
        self.seed = seed
    }

    /// The principal components of `x`. Throws `invalidInput` when `x` has fewer than 2 rows, or
    /// fewer rows or columns than `components`.
    public func fit(_ x: FeatureMatrix) throws -> Result {
        let n = x.rows, d = x.columns, k = components
        guard k >= 1 else { throw StrataError(.invalidInput, "PCA needs at least one component, got \(k)") }
        guard n >= 2 else { throw StrataError(.invalidInput, "PCA needs at least 2 inputs, got \(n)") }
        guard d >= k, n >= k else {
            throw StrataError(.invalidInput, "PCA to \(k) dimensions needs at least \(k) features and \(k) inputs, got \(n) × \(d)")
        }
        openblas_set_num_threads(Int32(max(1, threads)))
        let mean = Self.columnMeans(x)
        let solver: Solver = d <= Self.exactLimit ? .covariance : n <= Self.exactLimit ? .gram : .randomized
        var directions: [Double]  // d × k, column-major (component c is directions[c*d ..< (c+1)*d])
        var variances: [Double]
        var total: Double
        switch solver {
        case .covariance:
            (directions, variances, total) = try covarianceComponents(x, mean: mean)
        case .gram:
            (directions, variances, total) = try gramComponents(x, mean: mean)
        case .randomized:
            (directions, variances, total) = try randomizedComponents(x, mean: mean)
        }
        Self.flipSigns(&directions, d: d, k: k)
        let projected = Self.project(x, mean: mean, directions: directions, k: k)
        var rows = [Float](repeating: 0, count: k * d)
        for c in 0 ..< k { for j in 0 ..< d { rows[c * d + j] = Float(directions[c * d + j]) } }
        let clamped = variances.map { max(0, $0) }
        return Result(
            embedding: FeatureMatrix(uncheckedRows: n, columns: k, values: projected),
            components: FeatureMatrix(uncheckedRows: k, columns: d, values: rows),
            mean: mean.map { Float($0) }, explainedVariance: clamped,
            explainedVarianceRatio: clamped.map { total > 0 ? $0 / total : 0 }, solver: solver)
    }

    /// Column means in double precision.
    static func columnMeans(_ x: FeatureMatrix) -> [Double] {
        var sums = [Double](repeating: 0, count: x.columns)
        x.values.withUnsafeBufferPointer { v in
            for i in 0 ..< x.rows {
                let row = v.baseAddress! + i * x.columns
                for j in 0 ..< x.columns { sums[j] += Double(row[j]) }
            }
        }
        return sums.map { $0 / Double(x.rows) }
    }

    /// Rows `range` of `x`, centred, as a row-major double block.
    static func centredRows(_ x: FeatureMatrix, _ range: Range<Int>, mean: [Double]) -> [Double] {
        let d = x.columns
        var block = [Double](repeating: 0, count: range.count * d)
        x.values.withUnsafeBufferPointer { v in
            for (r, i) in range.enumerated() {
                let row = v.baseAddress! + i * d
                for j in 0 ..< d { block[r * d + j] = Double(row[j]) - mean[j] }
            }
        }
        return block
    }

    /// The top-k eigenpairs of the D × D covariance, accumulated over blocks of rows with `dsyrk`.
    private func covarianceComponents(_ x: FeatureMatrix, mean: [Double]) throws -> ([Double], [Double], Double) {
        let n = x.rows, d = x.columns, k = components
        try MemoryLimit.reserve(d * d * 8 * 2, for: "a \(d) × \(d) covariance matrix")
        defer { MemoryLimit.release(d * d * 8 * 2) }
        var c = [Double](repeating: 0, count: d * d)
        let blockRows = max(1, min(n, (1 << 22) / d))
        var start = 0
        while start < n {
            let range = start ..< min(n, start + blockRows)
            let block = Self.centredRows(x, range, mean: mean)
            // C (column-major lower) += blockᵀ · block, block row-major rows × d == column-major d × rows.
            cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, Int32(d), Int32(range.count), 1, block, Int32(d), 1, &c, Int32(d))
            start = range.upperBound
        }
        let scale = 1 / Double(n - 1)
        var total = 0.0
        for i in 0 ..< d * d { c[i] *= scale }
        for j in 0 ..< d { total += c[j * d + j] }
        let (values, vectors) = try LAPACK.symmetricEigen(&c, n: d, indices: d - k ... d - 1)
        // dsyevr gives ascending order; the components go largest first.
        var directions = [Double](repeating: 0, count: d * k)
        var variances = [Double](repeating: 0, count: k)
        for c in 0 ..< k {
            let source = k - 1 - c
            variances[c] = values[source]
            for j in 0 ..< d { directions[c * d + j] = vectors[source * d + j] }
        }
        return (directions, variances, total)
    }

    /// The top-k eigenpairs of the N × N Gram matrix `Xc·Xcᵀ`, accumulated over blocks of columns;
    /// the components are `Xcᵀ·u / √λ`.
    private func gramComponents(_ x: FeatureMatrix, mean: [Double]) throws -> ([Double], [Double], Double) {
        let n = x.rows, d = x.columns, k = components
        try MemoryLimit.reserve(n * n * 8 * 2, for: "a \(n) × \(n) Gram matrix")
        defer { MemoryLimit.release(n * n * 8 * 2) }
        var g = [Double](repeating: 0, count: n * n)
        let blockColumns = max(1, min(d, (1 << 22) / n))
        var block = [Double](repeating: 0, count: n * blockColumns)
        var start = 0
        x.values.withUnsafeBufferPointer { v in
            while start < d {
                let width = min(blockColumns, d - start)
                // Column-major n × width block of centred columns.
                for j in 0 ..< width {
                    let m = mean[start + j]
                    for i in 0 ..< n { block[j * n + i] = Double(v[i * d + start + j]) - m }
                }
                cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, Int32(n), Int32(width), 1, block, Int32(n), 1, &g, Int32(n))
                start += width
            }
        }
        var total = 0.0
        for i in 0 ..< n { total += g[i * n + i] }
        total /= Double(n - 1)
        let (values, vectors) = try LAPACK.symmetricEigen(&g, n: n, indices: n - k ... n - 1)
        var directions = [Double](repeating: 0, count: d * k)
        var variances = [Double](repeating: 0, count: k)
        x.values.withUnsafeBufferPointer { v in
            for c in 0 ..< k {
                let source = k - 1 - c
                let lambda = max(0, values[source])
                variances[c] = lambda / Double(n - 1)
                guard lambda > 0 else { continue }
                let u = vectors[(source * n) ..< ((source + 1) * n)]
                let base = u.startIndex
                let scale = 1 / lambda.squareRoot()
                for i in 0 ..< n {
                    let ui = u[base + i] * scale
                    for j in 0 ..< d { directions[c * d + j] += ui * (Double(v[i * d + j]) - mean[j]) }
                }
            }
        }
        // A zero-variance component is any unit vector orthogonal to the others: the first axis
        // direction left over by Gram–Schmidt.
        try Self.completeBasis(&directions, d: d, k: k)
        return (directions, variances, total)
    }

    /// Randomized range finder, then the exact eigenpairs of the small projected problem.
    private func randomizedComponents(_ x: FeatureMatrix, mean: [Double]) throws -> ([Double], [Double], Double) {
        let n = x.rows, d = x.columns, k = components
        let l = min(k + 10, min(n, d))
        try MemoryLimit.reserve((n + d) * l * 8 * 3, for: "a randomized PCA basis")
        defer { MemoryLimit.release((n + d) * l * 8 * 3) }
        var random = SeededRandom(seed: seed)
        // Column-major d × l Gaussian test matrix.
        var omega = (0 ..< d * l).map { _ in random.normal() }
        var y = [Double](repeating: 0, count: n * l)
        for iteration in 0 ... 7 {
            if iteration > 0 {
                // omega = Xcᵀ·y, then orthonormalised.
                Self.multiplyTransposed(x, mean: mean, y, l, into: &omega)
                try LAPACK.orthonormalize(&omega, rows: d, columns: l)
            }
            Self.multiply(x, mean: mean, omega, l, into: &y)
            try LAPACK.orthonormalize(&y, rows: n, columns: l)
        }
        // B = Qᵀ·Xc (l × d) as its transpose Bt (d × l, column-major), then the eigenpairs of B·Bᵀ.
        var bt = [Double](repeating: 0, count: d * l)
        Self.multiplyTransposed(x, mean: mean, y, l, into: &bt)
        var small = [Double](repeating: 0, count: l * l)
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(l), Int32(l), Int32(d), 1, bt, Int32(d), bt, Int32(d), 0, &small, Int32(l))
        let (values, vectors) = try LAPACK.symmetricEigen(&small, n: l, indices: l - k ... l - 1)
        var directions = [Double](repeating: 0, count: d * k)
        var variances = [Double](repeating: 0, count: k)
        for c in 0 ..< k {
            let source = k - 1 - c
            let lambda = max(0, values[source])
            variances[c] = lambda / Double(n - 1)
            guard lambda > 0 else { continue }
            let scale = 1 / lambda.squareRoot()
            for j in 0 ..< d {
                var s = 0.0
                for r in 0 ..< l { s += bt[r * d + j] * vectors[source * l + r] }
                directions[c * d + j] = s * scale
            }
        }
        try Self.completeBasis(&directions, d: d, k: k)
        var total = 0.0
        x.values.withUnsafeBufferPointer { v in
            for i in 0 ..< n {
                for j in 0 ..< d {
                    let t = Double(v[i * d + j]) - mean[j]
                    total += t * t
                }
            }
        }
        return (directions, variances, total / Double(n - 1))
    }

    /// `out` (column-major n × l) = Xc · m, with m column-major d × l.
    static func multiply(_ x: FeatureMatrix, mean: [Double], _ m: [Double], _ l: Int, into out: inout [Double]) {
        let n = x.rows, d = x.columns
        let blockRows = max(1, min(n, (1 << 22) / d))
        var start = 0
        var part = [Double](repeating: 0, count: blockRows * l)
        while start < n {
            let range = start ..< min(n, start + blockRows)
            let block = centredRows(x, range, mean: mean)  // row-major rows × d == column-major d × rows
            // part (column-major rows × l) = blockᵀ(rows × d) · m (d × l)
            cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(range.count), Int32(l), Int32(d), 1, block, Int32(d), m, Int32(d),
                        0, &part, Int32(range.count))
            for c in 0 ..< l { for r in 0 ..< range.count { out[c * n + range.lowerBound + r] = part[c * range.count + r] } }
            start = range.upperBound
        }
    }

    /// `out` (column-major d × l) = Xcᵀ · m, with m column-major n × l.
    static func multiplyTransposed(_ x: FeatureMatrix, mean: [Double], _ m: [Double], _ l: Int, into out: inout [Double]) {
        let n = x.rows, d = x.columns
        for i in 0 ..< out.count { out[i] = 0 }
        let blockRows = max(1, min(n, (1 << 22) / d))
        var start = 0
        var slice = [Double](repeating: 0, count: blockRows * l)
        while start < n {
            let range = start ..< min(n, start + blockRows)
            let block = centredRows(x, range, mean: mean)
            for c in 0 ..< l { for r in 0 ..< range.count { slice[c * range.count + r] = m[c * n + range.lowerBound + r] } }
            // out (d × l) += block (column-major d × rows) · slice (rows × l)
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(d), Int32(l), Int32(range.count), 1, block, Int32(d), slice,
                        Int32(range.count), 1, &out, Int32(d))
            start = range.upperBound
        }
    }

    /// Replaces zero columns of `directions` (d × k) by unit vectors orthogonal to the other columns.
    static func completeBasis(_ directions: inout [Double], d: Int, k: Int) throws {
        for c in 0 ..< k {
            var norm = 0.0
            for j in 0 ..< d { norm += directions[c * d + j] * directions[c * d + j] }
            if norm > 1e-24 {
                let s = 1 / norm.squareRoot()
                for j in 0 ..< d { directions[c * d + j] *= s }
                continue
            }
            for axis in 0 ..< d {
                var v = [Double](repeating: 0, count: d)
                v[axis] = 1
                for other in 0 ..< k where other != c {
                    var dot = 0.0
                    for j in 0 ..< d { dot += v[j] * directions[other * d + j] }
                    for j in 0 ..< d { v[j] -= dot * directions[other * d + j] }
                }
                let length = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if length > 1e-6 {
                    for j in 0 ..< d { directions[c * d + j] = v[j] / length }
                    break
                }
            }
        }
    }

    /// Makes each component's entry of largest magnitude positive (the first on ties).
    static func flipSigns(_ directions: inout [Double], d: Int, k: Int) {
        for c in 0 ..< k {
            var best = 0
            for j in 1 ..< max(1, d) where abs(directions[c * d + j]) > abs(directions[c * d + best]) { best = j }
            if directions[c * d + best] < 0 {
                for j in 0 ..< d { directions[c * d + j] = -directions[c * d + j] }
            }
        }
    }

    /// `Xc · directions` as float32 rows (N × k), computed in double.
    static func project(_ x: FeatureMatrix, mean: [Double], directions: [Double], k: Int) -> [Float] {
        var out = [Double](repeating: 0, count: x.rows * k)
        multiply(x, mean: mean, directions, k, into: &out)
        var rows = [Float](repeating: 0, count: x.rows * k)
        for i in 0 ..< x.rows { for c in 0 ..< k { rows[i * k + c] = Float(out[c * x.rows + i]) } }
        return rows
    }
}

import Foundation

/// UMAP's graph of the data: each row's fuzzy set of its nearest neighbours, combined by fuzzy union,
/// exactly as umap-learn's `fuzzy_simplicial_set` defines it (local connectivity 1, bandwidth 1,
/// union mix ratio 1):
///
/// - For row i with neighbour distances `d_1 ≤ … ≤ d_{k−1}` (the row itself counts as the first of
///   the k = `n_neighbors` neighbours, at distance 0): `ρ_i` is the smallest non-zero distance (0 when
///   there is none); `σ_i` is bisected (64 steps, from 1, doubling while unbounded) until
///   `Σ_j exp(−max(0, d_j − ρ_i) / σ_i) = log₂ k` within 1e-5, then raised to at least 1e-3 times
///   the mean distance of the row (when ρ_i > 0) or of all rows (when ρ_i = 0), the row itself
///   counted as a 0 in both means.
/// - Membership `a_ij = exp(−(d_ij − ρ_i) / σ_i)`, or 1 when `d_ij ≤ ρ_i`.
/// - The graph is `A + Aᵀ − A∘Aᵀ`, without its zero entries.
enum FuzzySimplicialSet {
    static let tolerance = 1e-5
    static let minScale = 1e-3

    static func graph(_ neighbors: NeighborGraph, nNeighbors: Int, threads: Int) -> SparseMatrix {
        let n = neighbors.count, k = neighbors.k
        let target = log2(Double(nNeighbors))
        var allSum = 0.0
        for d in neighbors.distances { allSum += Double(d) }
        let meanAll = allSum / Double(n * (k + 1))
        var memberships = [Double](repeating: 0, count: n * k)
        memberships.withUnsafeMutableBufferPointer { out in
            neighbors.distances.withUnsafeBufferPointer { dist in
                Parallel.forEachChunk(count: n, chunkSize: 256, threads: threads) { _, range in
                    for i in range {
                        let row = (0 ..< k).map { Double(dist[i * k + $0]) }
                        let rho = row.first(where: { $0 > 0 }) ?? 0
                        var low = 0.0, high = Double.infinity, mid = 1.0
                        for _ in 0 ..< 64 {
                            var sum = 0.0
                            for d in row {
                                let t = d - rho
                                sum += t > 0 ? exp(-(t / mid)) : 1
                            }
                            if abs(sum - target) < tolerance { break }
                            if sum > target {
                                high = mid
                                mid = (low + high) / 2
                            } else {
                                low = mid
                                mid = high == .infinity ? mid * 2 : (low + high) / 2
                            }
                        }
                        var sigma = mid
                        let floor = minScale * (rho > 0 ? row.reduce(0, +) / Double(k + 1) : meanAll)
                        if sigma < floor { sigma = floor }
                        for s in 0 ..< k {
                            let t = row[s] - rho
                            out[i * k + s] = t <= 0 || sigma == 0 ? 1 : exp(-(t / sigma))
                        }
                    }
                }
            }
        }
        var rows = [Int32](repeating: 0, count: n * k)
        for i in 0 ..< n { for s in 0 ..< k { rows[i * k + s] = Int32(i) } }
        let a = SparseMatrix(size: n, rows: rows, columns: neighbors.indices, values: memberships)
        var union = a.plusTranspose()
        for i in 0 ..< n {
            for e in union.rowStart[i] ..< union.rowStart[i + 1] {
                let j = union.columns[e]
                union.values[e] -= a.value(row: i, column: j) * a.value(row: Int(j), column: Int32(i))
            }
        }
        return union.withoutZeros()
    }
}

extension SparseMatrix {
    /// The matrix without entries whose value is 0 (or below `threshold`).
    func withoutZeros(below threshold: Double = 0) -> SparseMatrix {
        var rows: [Int32] = [], cols: [Int32] = [], vals: [Double] = []
        for i in 0 ..< size {
            for e in rowStart[i] ..< rowStart[i + 1] where values[e] != 0 && values[e] >= threshold {
                rows.append(Int32(i))
                cols.append(columns[e])
                vals.append(values[e])
            }
        }
        return SparseMatrix(size: size, rows: rows, columns: cols, values: vals)
    }
}

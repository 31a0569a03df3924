import Foundation

/// t-SNE's input similarities: for each row a Gaussian over its candidate neighbours whose precision
/// is binary-searched until the distribution's perplexity is the one asked for, then symmetrised
/// into joint probabilities, as scikit-learn's `_binary_search_perplexity` and
/// `_joint_probabilities_nn` compute them:
///
/// `p(j|i) = exp(−β_i·d²_ij) / Σ_l exp(−β_i·d²_il)` over row i's candidates, with β_i found by
/// bisection (from β = 1: doubled or halved until bracketed, then halved intervals; at most 100
/// steps, stopping when the entropy `H = log Σ + β·Σ d²·p` is within 1e-5 nats of `log(perplexity)`);
/// then `P = (Pc + Pcᵀ) / sum(Pc + Pcᵀ)`. The squared distances are shifted by the row's smallest
/// before exponentiating, which leaves every p(j|i) and H unchanged and keeps far rows from
/// underflowing to 0.
enum PerplexityAffinities {
    static let tolerance = 1e-5
    static let maxSteps = 100

    /// Joint probabilities from each row's k nearest neighbours (Euclidean distances).
    static func joint(neighbors graph: NeighborGraph, perplexity: Double, threads: Int) -> SparseMatrix {
        let n = graph.count, k = graph.k
        var conditional = [Double](repeating: 0, count: n * k)
        conditional.withUnsafeMutableBufferPointer { out in
            graph.distances.withUnsafeBufferPointer { dist in
                Parallel.forEachChunk(count: n, chunkSize: 256, threads: threads) { _, range in
                    var squared = [Double](repeating: 0, count: k)
                    for i in range {
                        for s in 0 ..< k {
                            let dd = Double(dist[i * k + s])
                            squared[s] = dd * dd
                        }
                        conditionalRow(squared, perplexity: perplexity, into: out.baseAddress! + i * k)
                    }
                }
            }
        }
        var rows = [Int32](repeating: 0, count: n * k)
        for i in 0 ..< n { for s in 0 ..< k { rows[i * k + s] = Int32(i) } }
        let matrix = SparseMatrix(size: n, rows: rows, columns: graph.indices, values: conditional).plusTranspose()
        return normalized(matrix)
    }

    /// Joint probabilities over all pairs (the exact method), from the full squared-distance
    /// matrix (row-major N × N, diagonal ignored).
    static func jointDense(squaredDistances: [Double], n: Int, perplexity: Double, threads: Int) -> SparseMatrix {
        var conditional = [Double](repeating: 0, count: n * (n - 1))
        conditional.withUnsafeMutableBufferPointer { out in
            squaredDistances.withUnsafeBufferPointer { dist in
                Parallel.forEachChunk(count: n, chunkSize: 16, threads: threads) { _, range in
                    var row = [Double](repeating: 0, count: n - 1)
                    for i in range {
                        var s = 0
                        for j in 0 ..< n where j != i {
                            row[s] = dist[i * n + j]
                            s += 1
                        }
                        conditionalRow(row, perplexity: perplexity, into: out.baseAddress! + i * (n - 1))
                    }
                }
            }
        }
        var rows = [Int32](), columns = [Int32]()
        rows.reserveCapacity(n * (n - 1))
        columns.reserveCapacity(n * (n - 1))
        for i in 0 ..< n {
            for j in 0 ..< n where j != i {
                rows.append(Int32(i))
                columns.append(Int32(j))
            }
        }
        let matrix = SparseMatrix(size: n, rows: rows, columns: columns, values: conditional).plusTranspose()
        return normalized(matrix)
    }

    /// One row's conditional probabilities p(j|i) over the squared distances given.
    static func conditionalRow(_ squared: [Double], perplexity: Double, into out: UnsafeMutablePointer<Double>) {
        let count = squared.count
        guard count > 0 else { return }
        let shift = squared.min() ?? 0
        let target = log(perplexity)
        var beta = 1.0, betaMin = -Double.infinity, betaMax = Double.infinity
        for _ in 0 ..< maxSteps {
            var sum = 0.0
            for s in 0 ..< count {
                out[s] = exp(-(squared[s] - shift) * beta)
                sum += out[s]
            }
            var weighted = 0.0
            for s in 0 ..< count {
                out[s] /= sum
                weighted += (squared[s] - shift) * out[s]
            }
            let entropy = log(sum) + beta * weighted
            let difference = entropy - target
            if abs(difference) <= tolerance { break }
            if difference > 0 {
                betaMin = beta
                beta = betaMax == .infinity ? beta * 2 : (beta + betaMax) / 2
            } else {
                betaMax = beta
                beta = betaMin == -.infinity ? beta / 2 : (beta + betaMin) / 2
            }
        }
    }

    /// `matrix / sum(matrix)`.
    static func normalized(_ matrix: SparseMatrix) -> SparseMatrix {
        var copy = matrix
        let total = max(copy.values.reduce(0, +), Double.leastNormalMagnitude)
        for e in copy.values.indices { copy.values[e] /= total }
        return copy
    }
}

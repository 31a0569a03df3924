import COpenBLAS
import Foundation
import StrataCore

/// UMAP's spectral initialisation, as umap-learn's `spectral_layout`: the eigenvectors of the
/// normalised Laplacian `L = I − D^(−1/2)·A·D^(−1/2)` for its 2nd to (dims + 1)th smallest eigenvalues
/// (the smallest belongs to `D^(1/2)·1`). They are the largest of `M = D^(−1/2)·A·D^(−1/2)`, found
/// by LAPACK's `dsyevr` on the dense matrix up to `denseLimit` rows and by LOBPCG (Knyazev 2001, with
/// the search basis re-orthonormalised by QR every iteration and kept orthogonal to `D^(1/2)·1`)
/// above. Each vector's sign makes its largest-magnitude entry positive.
///
/// A graph in several connected components is laid out as umap-learn's `multi_component_layout`
/// does: component positions on the axes (±e_1, ±e_2, … while there are at most 2·dims components)
/// or, for more, from the components' centroids in the data, scaled to unit size (umap-learn embeds
/// the centroids spectrally with affinities `exp(−d²)`, which underflow to 0 at the distances of
/// activations, so Strata takes their principal components); each component is embedded
/// spectrally on its own (uniformly at random when it has fewer than 2·dims rows or at most
/// dims + 1) and scaled to half the distance to the nearest other position.
enum SpectralLayout {
    static let denseLimit = 1000
    /// LOBPCG stops when every wanted vector's residual ‖M·x − λ·x‖ is below this (umap-learn's
    /// eigensolver tolerance).
    static let tolerance = 1e-4
    static let maxIterations = 1000

    struct Layout {
        /// N × dims, row-major.
        var coordinates: [Double]
        var components: Int
        /// False when LOBPCG stopped at its iteration limit before the residuals reached the tolerance.
        var converged: Bool
    }

    static func layout(_ graph: SparseMatrix, data: FeatureMatrix, dims: Int, seed: UInt64, threads: Int) throws -> Layout {
        let n = graph.size
        let (count, labels) = connectedComponents(graph)
        if count == 1 {
            let (vectors, converged) = try eigenvectors(graph, dims: dims, seed: seed, threads: threads)
            return Layout(coordinates: vectors, components: 1, converged: converged)
        }
        // Several components.
        var meta = [Double](repeating: 0, count: count * dims)
        if count > 2 * dims {
            var centroids = [Float](repeating: 0, count: count * data.columns)
            var sizes = [Int](repeating: 0, count: count)
            for i in 0 ..< n {
                let c = labels[i]
                sizes[c] += 1
                for j in 0 ..< data.columns { centroids[c * data.columns + j] += data[i, j] }
            }
            for c in 0 ..< count { for j in 0 ..< data.columns { centroids[c * data.columns + j] /= Float(sizes[c]) } }
            let matrix = FeatureMatrix(uncheckedRows: count, columns: data.columns, values: centroids)
            if data.columns >= dims {
                let pca = try PCA(components: dims, threads: threads, seed: seed).fit(matrix)
                let largest = pca.embedding.values.map { abs(Double($0)) }.max() ?? 0
                for e in 0 ..< count * dims { meta[e] = largest > 0 ? Double(pca.embedding.values[e]) / largest : 0 }
            }
        } else {
            let half = (count + 1) / 2
            for c in 0 ..< count {
                let axis = c % half
                if axis < dims { meta[c * dims + axis] = c < half ? 1 : -1 }
            }
        }
        var result = [Double](repeating: 0, count: n * dims)
        var converged = true
        var random = SeededRandom(seed: seed, stream: 0xC0)
        for c in 0 ..< count {
            let members = (0 ..< n).filter { labels[$0] == c }
            var nearest = Double.infinity
            for other in 0 ..< count where other != c {
                var squared = 0.0
                for t in 0 ..< dims {
                    let diff = meta[c * dims + t] - meta[other * dims + t]
                    squared += diff * diff
                }
                if squared > 0 { nearest = min(nearest, squared.squareRoot()) }
            }
            let range = nearest.isFinite ? nearest / 2 : 1
            if members.count < 2 * dims || members.count <= dims + 1 {
                for i in members {
                    for t in 0 ..< dims { result[i * dims + t] = (random.uniform() * 2 - 1) * range + meta[c * dims + t] }
                }
                continue
            }
            let sub = graph.restricted(to: members)
            let (vectors, ok) = try eigenvectors(sub, dims: dims, seed: seed &+ UInt64(c), threads: threads)
            converged = converged && ok
            let largest = vectors.map(abs).max() ?? 0
            let expansion = largest > 0 ? range / largest : 0
            for (row, i) in members.enumerated() {
                for t in 0 ..< dims { result[i * dims + t] = vectors[row * dims + t] * expansion + meta[c * dims + t] }
            }
        }
        return Layout(coordinates: result, components: count, converged: converged)
    }

    /// Component count and each row's component, by breadth-first search.
    static func connectedComponents(_ graph: SparseMatrix) -> (Int, [Int]) {
        let n = graph.size
        var labels = [Int](repeating: -1, count: n)
        var count = 0
        var queue: [Int] = []
        for start in 0 ..< n where labels[start] < 0 {
            labels[start] = count
            queue.removeAll(keepingCapacity: true)
            queue.append(start)
            var head = 0
            while head < queue.count {
                let i = queue[head]
                head += 1
                for e in graph.rowStart[i] ..< graph.rowStart[i + 1] {
                    let j = Int(graph.columns[e])
                    if labels[j] < 0 {
                        labels[j] = count
                        queue.append(j)
                    }
                }
            }
            count += 1
        }
        return (count, labels)
    }

    /// The dims eigenvectors (N × dims, row-major) of a connected graph, and whether they converged.
    static func eigenvectors(_ graph: SparseMatrix, dims: Int, seed: UInt64, threads: Int) throws -> ([Double], Bool) {
        let n = graph.size
        var degree = [Double](repeating: 0, count: n)
        for i in 0 ..< n { for e in graph.rowStart[i] ..< graph.rowStart[i + 1] { degree[i] += graph.values[e] } }
        let scale = degree.map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
        var vectors: [Double]
        var converged = true
        if n <= denseLimit {
            var m = [Double](repeating: 0, count: n * n)
            for i in 0 ..< n {
                for e in graph.rowStart[i] ..< graph.rowStart[i + 1] {
                    let j = Int(graph.columns[e])
                    m[j * n + i] = scale[i] * graph.values[e] * scale[j]
                }
            }
            let wanted = min(dims + 1, n)
            let (_, z) = try LAPACK.symmetricEigen(&m, n: n, indices: (n - wanted) ... (n - 1))
            // Ascending eigenvalues of M: the last is the trivial one; take the next dims, largest first.
            vectors = [Double](repeating: 0, count: n * dims)
            for t in 0 ..< dims {
                let column = wanted - 2 - t
                guard column >= 0 else { continue }
                for i in 0 ..< n { vectors[i * dims + t] = z[column * n + i] }
            }
        } else {
            (vectors, converged) = try lobpcg(graph, scale: scale, degree: degree, dims: dims, seed: seed, threads: threads)
        }
        for t in 0 ..< dims {
            var best = 0
            for i in 0 ..< n where abs(vectors[i * dims + t]) > abs(vectors[best * dims + t]) { best = i }
            if vectors[best * dims + t] < 0 { for i in 0 ..< n { vectors[i * dims + t] = -vectors[i * dims + t] } }
        }
        return (vectors, converged)
    }

    /// The largest eigenvectors of M orthogonal to `D^(1/2)·1`, by LOBPCG with a block of
    /// `dims + 4` vectors (the extra ones speed convergence of the wanted ones).
    static func lobpcg(_ graph: SparseMatrix, scale: [Double], degree: [Double], dims: Int, seed: UInt64, threads: Int) throws -> ([Double], Bool) {
        let n = graph.size
        let m = min(dims + 4, max(dims, (n - 1) / 3))
        var trivial = degree.map { $0.squareRoot() }
        let norm = trivial.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for i in 0 ..< n { trivial[i] /= norm }
        // Column-major blocks (vector c at [c*n ..< (c+1)*n]).
        var random = SeededRandom(seed: seed, stream: 0x10B)
        var x = (0 ..< n * m).map { _ in random.normal() }
        project(&x, columns: m, out: trivial)
        try LAPACK.orthonormalize(&x, rows: n, columns: m)
        var ax = multiply(graph, scale: scale, x, columns: m, threads: threads)
        var p: [Double] = []
        var values = [Double](repeating: 0, count: m)
        var converged = false
        for _ in 0 ..< maxIterations {
            // Ritz values and residuals R = M·X − X·Λ.
            var residual = [Double](repeating: 0, count: n * m)
            var worst = 0.0
            for c in 0 ..< m {
                var lambda = 0.0
                for i in 0 ..< n { lambda += x[c * n + i] * ax[c * n + i] }
                values[c] = lambda
                var squared = 0.0
                for i in 0 ..< n {
                    let r = ax[c * n + i] - lambda * x[c * n + i]
                    residual[c * n + i] = r
                    squared += r * r
                }
                if c < dims { worst = max(worst, squared.squareRoot()) }
            }
            if worst < tolerance {
                converged = true
                break
            }
            let blocks = p.isEmpty ? 2 : 3
            var s = x + residual + p
            project(&s, columns: blocks * m, out: trivial)
            try LAPACK.orthonormalize(&s, rows: n, columns: blocks * m)
            let aS = multiply(graph, scale: scale, s, columns: blocks * m, threads: threads)
            let width = blocks * m
            var t = [Double](repeating: 0, count: width * width)
            cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(width), Int32(width), Int32(n), 1, s, Int32(n), aS, Int32(n), 0, &t, Int32(width))
            for a in 0 ..< width { for b in 0 ..< a { let mean = (t[a * width + b] + t[b * width + a]) / 2; t[a * width + b] = mean; t[b * width + a] = mean } }
            let (_, c) = try LAPACK.symmetricEigen(&t, n: width, indices: (width - m) ... (width - 1))
            // Largest first.
            var coefficients = [Double](repeating: 0, count: width * m)
            for col in 0 ..< m {
                let source = m - 1 - col
                for r in 0 ..< width { coefficients[col * width + r] = c[source * width + r] }
            }
            var newX = [Double](repeating: 0, count: n * m), newAX = [Double](repeating: 0, count: n * m)
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(m), Int32(width), 1, s, Int32(n), coefficients, Int32(width), 0, &newX, Int32(n))
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(m), Int32(width), 1, aS, Int32(n), coefficients, Int32(width), 0, &newAX, Int32(n))
            // P: the part of the new vectors outside the old X block.
            var pCoefficients = coefficients
            for col in 0 ..< m { for r in 0 ..< m { pCoefficients[col * width + r] = 0 } }
            p = [Double](repeating: 0, count: n * m)
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(m), Int32(width), 1, s, Int32(n), pCoefficients, Int32(width), 0, &p, Int32(n))
            x = newX
            ax = newAX
        }
        var out = [Double](repeating: 0, count: n * dims)
        for c in 0 ..< dims { for i in 0 ..< n { out[i * dims + c] = x[c * n + i] } }
        return (out, converged)
    }

    /// Removes the component along the unit vector `out` from each column.
    static func project(_ block: inout [Double], columns: Int, out: [Double]) {
        let n = out.count
        for c in 0 ..< columns {
            var dot = 0.0
            for i in 0 ..< n { dot += block[c * n + i] * out[i] }
            for i in 0 ..< n { block[c * n + i] -= dot * out[i] }
        }
    }

    /// M·block for a column-major block, M = D^(−1/2)·A·D^(−1/2).
    static func multiply(_ graph: SparseMatrix, scale: [Double], _ block: [Double], columns: Int, threads: Int) -> [Double] {
        let n = graph.size
        var out = [Double](repeating: 0, count: n * columns)
        out.withUnsafeMutableBufferPointer { o in
            block.withUnsafeBufferPointer { b in
                Parallel.forEachChunk(count: n, chunkSize: 512, threads: threads) { _, range in
                    for i in range {
                        for c in 0 ..< columns {
                            var sum = 0.0
                            for e in graph.rowStart[i] ..< graph.rowStart[i + 1] {
                                let j = Int(graph.columns[e])
                                sum += graph.values[e] * scale[j] * b[c * n + j]
                            }
                            o[c * n + i] = scale[i] * sum
                        }
                    }
                }
            }
        }
        return out
    }
}

extension SparseMatrix {
    /// The submatrix of the given rows and columns (`members` ascending), renumbered from 0.
    func restricted(to members: [Int]) -> SparseMatrix {
        var position = [Int32](repeating: -1, count: size)
        for (k, i) in members.enumerated() { position[i] = Int32(k) }
        var rows: [Int32] = [], cols: [Int32] = [], vals: [Double] = []
        for (k, i) in members.enumerated() {
            for e in rowStart[i] ..< rowStart[i + 1] where position[Int(columns[e])] >= 0 {
                rows.append(Int32(k))
                cols.append(position[Int(columns[e])])
                vals.append(values[e])
            }
        }
        return SparseMatrix(size: members.count, rows: rows, columns: cols, values: vals)
    }
}

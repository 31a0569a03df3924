import COpenBLAS
import StrataCore

/// Exact k nearest neighbours by brute force: the squared distances of a block of rows to every
/// other row come from one matrix product (`‖a‖² + ‖b‖² − 2·a·b`, OpenBLAS `sgemm`), the k smallest
/// per row are kept (ties: smaller index), and the chosen neighbours' distances are then recomputed
/// directly from the differences, so the reported distances carry no cancellation error.
enum ExactNeighbors {
    static let rowBlock = 512
    static let columnBlock = 8192

    static func search(_ x: FeatureMatrix, k: Int, threads: Int, progress: EmbeddingProgressHandler? = nil) throws -> NeighborGraph {
        let n = x.rows, d = x.columns
        precondition(k >= 1 && k < n, "exact neighbours: 1 ≤ k < N")
        openblas_set_num_threads(Int32(max(1, threads)))
        let scratch = rowBlock * min(n, columnBlock) * 4
        try MemoryLimit.reserve(scratch, for: "a \(rowBlock) × \(min(n, columnBlock)) block of distances")
        defer { MemoryLimit.release(scratch) }
        var norms = [Float](repeating: 0, count: n)
        x.values.withUnsafeBufferPointer { v in
            for i in 0 ..< n {
                var s: Float = 0
                for j in 0 ..< d { s += v[i * d + j] * v[i * d + j] }
                norms[i] = s
            }
        }
        var heaps = NeighborHeaps(count: n, k: k)
        var products = [Float](repeating: 0, count: rowBlock * min(n, columnBlock))
        x.values.withUnsafeBufferPointer { v in
            let base = v.baseAddress!
            heaps.indices.withUnsafeMutableBufferPointer { idx in
                heaps.distances.withUnsafeMutableBufferPointer { dist in
                    heaps.isNew.withUnsafeMutableBufferPointer { fresh in
                        products.withUnsafeMutableBufferPointer { g in
                            var rowStart = 0
                            while rowStart < n {
                                let rows = min(rowBlock, n - rowStart)
                                var columnStart = 0
                                while columnStart < n {
                                    let columns = min(columnBlock, n - columnStart)
                                    // g (rows × columns, row-major) = X[rows] · X[columns]ᵀ
                                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(columns), Int32(d), 1,
                                                base + rowStart * d, Int32(d), base + columnStart * d, Int32(d), 0, g.baseAddress!, Int32(columns))
                                    let c0 = columnStart
                                    Parallel.forEachChunk(count: rows, chunkSize: 16, threads: threads) { _, range in
                                        for r in range {
                                            let i = rowStart + r
                                            let ri = idx.baseAddress! + i * k, rd = dist.baseAddress! + i * k, rf = fresh.baseAddress! + i * k
                                            let ni = norms[i]
                                            let products = g.baseAddress! + r * columns
                                            for c in 0 ..< columns {
                                                let j = c0 + c
                                                if j == i { continue }
                                                let squared = max(0, ni + norms[j] - 2 * products[c])
                                                if squared <= rd[0] {
                                                    _ = NeighborHeaps.push(ri, rd, rf, k, Int32(j), squared, false)
                                                }
                                            }
                                        }
                                    }
                                    columnStart += columns
                                }
                                rowStart += rows
                                progress?(EmbeddingProgress(phase: "nearest neighbours", done: rowStart, total: n))
                            }
                            // Exact distances of the chosen neighbours.
                            Parallel.forEachChunk(count: n, chunkSize: 256, threads: threads) { _, range in
                                for i in range {
                                    for s in 0 ..< k {
                                        let j = Int(idx[i * k + s])
                                        dist[i * k + s] = squaredDistance(base + i * d, base + j * d, d)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return heaps.sortedGraph()
    }
}

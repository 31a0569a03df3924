import StrataCore

extension ExecutionContext {
    /// About this many multiply-adds per thread before a product is split: below it, waking a
    /// worker costs more than it saves.
    static let gemmWorkPerThread = 1 << 20

    /// `T.gemm` (row-major `C = alpha·op(A)·op(B) + beta·C`) split over the context's threads by
    /// columns of C (or rows, when C has fewer columns than rows); each part is a product of its
    /// own, on one thread. BLAS is kept single-threaded (`Engine.init`), so that only this
    /// process's one pool of threads runs, and waits, on the cores.
    /// Every element of C is the same sum over `k` however the product is split.
    func gemm<T: GemmScalar>(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T,
        a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
        beta: T, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        // In Double: m·n·k of hostile shapes must not trap; only whether it is large matters.
        let work = Double(m) * Double(n) * Double(max(k, 1))
        guard threads > 1, work >= 2 * Double(Self.gemmWorkPerThread) else {
            T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                   beta: beta, c: c, ldc: ldc)
            return
        }
        let job = SplitGemm(a: a, b: b, c: c)
        if n >= m {
            // Columns j of C use columns j of op(B): B + j without a transpose, rows j of B with one.
            let minChunk = max(16, Int(Double(Self.gemmWorkPerThread) / (Double(m) * Double(max(k, 1)))))
            parallelFor(n, minChunk: minChunk) { range in
                let lo = range.lowerBound
                T.gemm(transA: transA, transB: transB, m: m, n: range.count, k: k, alpha: alpha,
                       a: job.a, lda: lda, b: job.b + (transB ? lo * ldb : lo), ldb: ldb,
                       beta: beta, c: job.c + lo, ldc: ldc)
            }
        } else {
            // Rows i of C use rows i of op(A): A + i·lda without a transpose, columns i of A with one.
            let minChunk = max(4, Int(Double(Self.gemmWorkPerThread) / (Double(n) * Double(max(k, 1)))))
            parallelFor(m, minChunk: minChunk) { range in
                let lo = range.lowerBound
                T.gemm(transA: transA, transB: transB, m: range.count, n: n, k: k, alpha: alpha,
                       a: job.a + (transA ? lo : lo * lda), lda: lda, b: job.b, ldb: ldb,
                       beta: beta, c: job.c + lo * ldc, ldc: ldc)
            }
        }
    }
}

/// The operands handed to the threads of a split product; each thread writes only its own part of C.
private struct SplitGemm<T>: @unchecked Sendable {
    let a: UnsafePointer<T>
    let b: UnsafePointer<T>
    let c: UnsafeMutablePointer<T>
}

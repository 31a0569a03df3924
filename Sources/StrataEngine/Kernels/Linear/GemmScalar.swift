import StrataCore
import COpenBLAS

/// An element type the matrix kernels multiply: BLAS for float32/float64, plain loops for integers.
protocol GemmScalar: Numeric, Sendable {
    static var dtype: DType { get }
    /// Row-major `C = alpha·op(A)·op(B) + beta·C`, with `op` transposing when asked.
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    init(float value: Float)
    /// `a + b`, wrapping for integers.
    static func accumulate(_ a: Self, _ b: Self) -> Self
}

extension Float: GemmScalar {
    static var dtype: DType { .float32 }
    static func accumulate(_ a: Float, _ b: Float) -> Float { a + b }
    init(float value: Float) { self = value }
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if m == 1 || n == 1 {
            // Matrix-vector products: GEMM kernels handle one row or column poorly.
            if beta == 0 { for i in 0..<(m == 1 ? n : m) { c[i * (m == 1 ? 1 : ldc)] = 0 } }
            if m == 1 {
                cblas_sgemv(CblasRowMajor, transB ? CblasNoTrans : CblasTrans, Int32(transB ? n : k), Int32(transB ? k : n),
                            alpha, b, Int32(max(ldb, 1)), a, Int32(transA ? lda : 1), beta, c, 1)
            } else {
                cblas_sgemv(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, Int32(transA ? k : m), Int32(transA ? m : k),
                            alpha, a, Int32(max(lda, 1)), b, Int32(transB ? 1 : ldb), beta, c, Int32(ldc))
            }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)), beta, c, Int32(max(ldc, 1)))
    }
}

extension Double: GemmScalar {
    static var dtype: DType { .float64 }
    static func accumulate(_ a: Double, _ b: Double) -> Double { a + b }
    init(float value: Float) { self = Double(value) }
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if m == 1 || n == 1 {
            // Matrix-vector products: GEMM kernels handle one row or column poorly.
            if beta == 0 { for i in 0..<(m == 1 ? n : m) { c[i * (m == 1 ? 1 : ldc)] = 0 } }
            if m == 1 {
                cblas_dgemv(CblasRowMajor, transB ? CblasNoTrans : CblasTrans, Int32(transB ? n : k), Int32(transB ? k : n),
                            alpha, b, Int32(max(ldb, 1)), a, Int32(transA ? lda : 1), beta, c, 1)
            } else {
                cblas_dgemv(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, Int32(transA ? k : m), Int32(transA ? m : k),
                            alpha, a, Int32(max(lda, 1)), b, Int32(transB ? 1 : ldb), beta, c, Int32(ldc))
            }
            return
        }
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)), beta, c, Int32(max(ldc, 1)))
    }
}

/// Integer matrix products wrap on overflow, as numpy and onnxruntime do.
protocol WrappingGemmScalar: GemmScalar, FixedWidthInteger {}

extension WrappingGemmScalar {
    static func accumulate(_ a: Self, _ b: Self) -> Self { a &+ b }
    init(float value: Float) { self = value.isFinite ? Self(clamping: Int64(Swift.max(Swift.min(value, 9e18), -9e18))) : 0 }

    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        for i in 0..<m {
            let row = c + i * ldc
            for j in 0..<n { row[j] = beta == 0 ? 0 : beta &* row[j] }
            for p in 0..<k {
                let av = alpha &* (transA ? a[p * lda + i] : a[i * lda + p])
                if transB {
                    for j in 0..<n { row[j] = row[j] &+ av &* b[j * ldb + p] }
                } else {
                    let brow = b + p * ldb
                    for j in 0..<n { row[j] = row[j] &+ av &* brow[j] }
                }
            }
        }
    }
}

extension Int64: WrappingGemmScalar {
    static var dtype: DType { .int64 }
}

extension Int32: WrappingGemmScalar {
    static var dtype: DType { .int32 }
}

extension UInt64: WrappingGemmScalar {
    static var dtype: DType { .uint64 }
}

extension UInt32: WrappingGemmScalar {
    static var dtype: DType { .uint32 }
}

import COpenBLAS
import StrataCore

/// `Det`: the determinant of each [M, M] matrix in the last two axes, from LAPACK's LU factorisation
/// with partial pivoting (`dgetrf`, the routine numpy's `linalg.det` uses) in float64, returned in
/// the input's float dtype. LAPACK reads the row-major matrix as its transpose, which has the same
/// determinant.
struct DetKernel: Kernel {
    let node: Node

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try KernelInputs(inputs, node: node).tensor(0)
        guard x.dtype.isFloatingPoint else {
            throw node.error("input has dtype \(x.dtype.rawValue); expected a float type", kind: .invalidInput)
        }
        guard x.rank >= 2, x.shape[x.rank - 1] == x.shape[x.rank - 2], x.shape[x.rank - 1] <= Int(Int32.max) else {
            throw node.error("input \(x.type) does not end in a square matrix", kind: .invalidInput)
        }
        let m = x.shape[x.rank - 1]
        let y = try Tensor(dtype: .float64, shape: Array(x.shape.dropLast(2)))
        let out = y.pointer(as: Double.self)
        var matrix = [Double](repeating: 0, count: m * m), pivots = [Int32](repeating: 0, count: m)
        var n = Int32(m), lda = Int32(Swift.max(m, 1)), info: Int32 = 0
        for b in 0 ..< y.count {
            for i in 0 ..< m * m { matrix[i] = x.doubleValue(at: b * m * m + i) }
            // info > 0 reports an exactly zero pivot: the product below is then 0, the determinant.
            if m > 0 { dgetrf_(&n, &n, &matrix, &lda, &pivots, &info) }
            guard info >= 0 else { throw node.error("LAPACK dgetrf rejected argument \(-info)") }
            var determinant = 1.0
            for i in 0 ..< m {
                determinant *= matrix[i * m + i]
                if pivots[i] != Int32(i + 1) { determinant = -determinant }
            }
            out[b] = determinant
        }
        return [try y.converted(to: x.dtype, context: context)]
    }
}

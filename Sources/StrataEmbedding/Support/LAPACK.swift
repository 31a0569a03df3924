import COpenBLAS
import StrataCore

/// The few LAPACK routines the embeddings need (OpenBLAS's LAPACK), with their workspace queries
/// and status codes turned into Swift values and `StrataError`s. Matrices are column-major doubles.
enum LAPACK {
    /// Eigenvalues (ascending) and unit eigenvectors (columns, column-major `n × m`) of the symmetric
    /// `n × n` matrix `a` (its lower triangle is read; `a` is overwritten), for the eigenvalues with
    /// 0-based indices `indices` in ascending order (all when nil). `dsyevr` (MRRR).
    static func symmetricEigen(_ a: inout [Double], n: Int, indices: ClosedRange<Int>? = nil) throws -> (values: [Double], vectors: [Double]) {
        precondition(a.count == n * n, "symmetricEigen: matrix size")
        guard n > 0 else { return ([], []) }
        let range = indices ?? 0 ... n - 1
        precondition(range.lowerBound >= 0 && range.upperBound < n, "symmetricEigen: index range")
        var nn = Int32(n), lda = Int32(n), ldz = Int32(n)
        var il = Int32(range.lowerBound + 1), iu = Int32(range.upperBound + 1)
        var vl = 0.0, vu = 0.0, abstol = 0.0
        var found: Int32 = 0, info: Int32 = 0
        let wanted = range.count
        var w = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: n * wanted)
        var support = [Int32](repeating: 0, count: 2 * max(1, wanted))
        var lwork: Int32 = -1, liwork: Int32 = -1
        var workSize = 0.0
        var iworkSize: Int32 = 0
        let jobz: [CChar] = [86, 0] /* "V" */, all: [CChar] = [65, 0] /* "A" */, some: [CChar] = [73, 0] /* "I" */
        let lower: [CChar] = [76, 0] /* "L" */
        let rangeCode = indices == nil ? all : some
        // Workspace query, then the computation.
        dsyevr_(jobz, rangeCode, lower, &nn, &a, &lda, &vl, &vu, &il, &iu, &abstol, &found, &w, &z, &ldz, &support,
                &workSize, &lwork, &iworkSize, &liwork, &info, 1, 1, 1)
        guard info == 0 else { throw StrataError(.invalidInput, "LAPACK dsyevr workspace query failed (info \(info))") }
        lwork = Int32(workSize.rounded(.up))
        liwork = iworkSize
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevr_(jobz, rangeCode, lower, &nn, &a, &lda, &vl, &vu, &il, &iu, &abstol, &found, &w, &z, &ldz, &support,
                &work, &lwork, &iwork, &liwork, &info, 1, 1, 1)
        guard info == 0, Int(found) == wanted else {
            throw StrataError(.invalidInput, "LAPACK dsyevr did not converge on a \(n) × \(n) matrix (info \(info))")
        }
        return (Array(w.prefix(wanted)), z)
    }

    /// Replaces the `rows × columns` column-major matrix `a` (rows ≥ columns) by the Q of its QR
    /// factorisation: orthonormal columns spanning the same space (`dgeqrf` then `dorgqr`).
    static func orthonormalize(_ a: inout [Double], rows: Int, columns: Int) throws {
        precondition(a.count == rows * columns && rows >= columns, "orthonormalize: matrix size")
        guard columns > 0 else { return }
        var m = Int32(rows), n = Int32(columns), lda = Int32(rows), info: Int32 = 0
        var tau = [Double](repeating: 0, count: columns)
        var query = 0.0
        var lwork: Int32 = -1
        dgeqrf_(&m, &n, &a, &lda, &tau, &query, &lwork, &info)
        var k = n
        var query2 = 0.0
        dorgqr_(&m, &n, &k, &a, &lda, &tau, &query2, &lwork, &info)
        lwork = Int32(max(query, query2, Double(columns)).rounded(.up))
        var work = [Double](repeating: 0, count: Int(lwork))
        dgeqrf_(&m, &n, &a, &lda, &tau, &work, &lwork, &info)
        guard info == 0 else { throw StrataError(.invalidInput, "LAPACK dgeqrf failed (info \(info))") }
        dorgqr_(&m, &n, &k, &a, &lda, &tau, &work, &lwork, &info)
        guard info == 0 else { throw StrataError(.invalidInput, "LAPACK dorgqr failed (info \(info))") }
    }
}

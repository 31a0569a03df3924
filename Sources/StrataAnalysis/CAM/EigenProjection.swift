import COpenBLAS
import StrataCore

/// Eigen-CAM: the projection of one image's activations on their first principal component, as
/// pytorch-grad-cam 1.5.7's `get_2d_projection` computes it, followed by the ReLU of its base class.
///
/// The activations seen as a `positions × channels` matrix `M` (NaN replaced by 0) are centred by
/// subtracting each channel's mean over the positions; LAPACK's `sgesdd` (the routine numpy's
/// `linalg.svd` calls for float32) factors `M = U S Vᵀ`, and the map is `M · Vᵀ[0, :]` reshaped to
/// `height × width`. The sign of a singular vector is arbitrary: Strata passes the same column-major
/// matrix and `jobz` that numpy does (`'A'`, full matrices) so that it gets LAPACK's sign; when the
/// full `U` would take more than `fullMatricesLimit` values it asks for the reduced factors (`'S'`).
public enum EigenProjection {
    /// The most values of `U` plus `Vᵀ` for which the full factorisation is asked for.
    public static let fullMatricesLimit = 1 << 24

    /// The Eigen-CAM map after the ReLU. Throws `invalidInput` when LAPACK reports an error or the
    /// SVD does not converge.
    public static func map(_ activations: ChannelPlanes) throws -> ActivationMap {
        let projection = try project(activations)
        return ActivationMap(height: activations.height, width: activations.width, values: projection.map { max($0, 0) })
    }

    /// The projection before the ReLU (`height · width` values).
    public static func project(_ activations: ChannelPlanes) throws -> [Float] {
        let m = activations.planeSize, n = activations.channels
        // Channel-major planes are the column-major positions × channels matrix numpy hands LAPACK.
        var centred = activations.values.map { $0.isNaN ? 0 : $0 }
        for c in 0 ..< n {
            var sum = 0.0
            for p in 0 ..< m { sum += Double(centred[c * m + p]) }
            let mean = Float(sum / Double(m))
            for p in 0 ..< m { centred[c * m + p] -= mean }
        }
        let original = centred
        let k = min(m, n)
        let (mm, o1) = m.multipliedReportingOverflow(by: m)
        let (nn, o2) = n.multipliedReportingOverflow(by: n)
        let (total, o3) = mm.addingReportingOverflow(nn)
        let full = !o1 && !o2 && !o3 && total <= fullMatricesLimit
        var jobz = Int8(UInt8(ascii: full ? "A" : "S"))
        var rows = Int32(m), columns = Int32(n), lda = Int32(m)
        var ldu = Int32(m), ldvt = Int32(full ? n : k)
        var singular = [Float](repeating: 0, count: k)
        var u = [Float](repeating: 0, count: full ? m * m : m * k)
        var vt = [Float](repeating: 0, count: Int(ldvt) * n)
        var iwork = [Int32](repeating: 0, count: 8 * k)
        var info: Int32 = 0
        var query: Float = 0
        var lwork: Int32 = -1
        sgesdd_(&jobz, &rows, &columns, &centred, &lda, &singular, &u, &ldu, &vt, &ldvt, &query, &lwork, &iwork, &info, 1)
        guard info == 0 else { throw StrataError(.invalidInput, "Eigen-CAM: LAPACK sgesdd workspace query failed (info \(info))") }
        lwork = Int32(query.rounded(.up))
        var work = [Float](repeating: 0, count: max(1, Int(lwork)))
        sgesdd_(&jobz, &rows, &columns, &centred, &lda, &singular, &u, &ldu, &vt, &ldvt, &work, &lwork, &iwork, &info, 1)
        guard info == 0 else {
            throw StrataError(.invalidInput, info > 0
                ? "Eigen-CAM: the SVD of the \(m)×\(n) activation matrix did not converge"
                : "Eigen-CAM: LAPACK sgesdd rejected argument \(-info)")
        }
        // Vᵀ[0, j] in column-major storage.
        let first = (0 ..< n).map { vt[$0 * Int(ldvt)] }
        return (0 ..< m).map { p in
            var sum = 0.0
            for c in 0 ..< n { sum += Double(original[c * m + p]) * Double(first[c]) }
            return Float(sum)
        }
    }
}

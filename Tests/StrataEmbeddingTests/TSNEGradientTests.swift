import StrataTestSupport
import XCTest
@testable import StrataEmbedding

/// The t-SNE gradient: the analytic gradient against finite differences of KL(P‖Q), and the
/// approximate repulsive forces (FFT interpolation, Barnes–Hut) against every pair, held to openTSNE's accuracy.
final class TSNEGradientTests: XCTestCase {
    /// A small random embedding and a random symmetric P (sum 1).
    static func problem(n: Int, dims: Int, seed: UInt64) -> (SparseMatrix, [Double]) {
        var random = SeededGenerator(seed: seed)
        let y = (0 ..< n * dims).map { _ in random.normal() * 3 }
        var rows: [Int32] = [], cols: [Int32] = [], vals: [Double] = []
        for i in 0 ..< n {
            for _ in 0 ..< 4 {
                let j = random.below(n)
                if j == i { continue }
                rows.append(Int32(i)); cols.append(Int32(j)); vals.append(random.unit() + 0.1)
            }
        }
        let p = PerplexityAffinities.normalized(SparseMatrix(size: n, rows: rows, columns: cols, values: vals).plusTranspose())
        return (p, y)
    }

    static func kl(_ p: SparseMatrix, _ y: [Double], dims: Int) throws -> Double {
        var repulsion: any TSNERepulsion = ExactRepulsion(dims: dims, threads: 1)
        return try TSNE.klDivergence(p, y, dims: dims, repulsion: &repulsion, threads: 1)
    }

    func testAnalyticGradientMatchesFiniteDifferences() throws {
        for dims in [2, 3] {
            let n = 40
            let (p, y) = Self.problem(n: n, dims: dims, seed: UInt64(dims))
            var repulsion = ExactRepulsion(dims: dims, threads: 1)
            var r = [Double](repeating: 0, count: n * dims)
            let z = y.withUnsafeBufferPointer { yb in r.withUnsafeMutableBufferPointer { repulsion.repulsion(yb.baseAddress!, count: n, into: $0.baseAddress!) } }
            var a = [Double](repeating: 0, count: n * dims)
            TSNE.attractiveForces(p, y, dims: dims, scale: 1, threads: 1, into: &a)
            let h = 1e-6
            for index in stride(from: 0, to: n * dims, by: 7) {
                var plus = y, minus = y
                plus[index] += h
                minus[index] -= h
                let numeric = (try Self.kl(p, plus, dims: dims) - Self.kl(p, minus, dims: dims)) / (2 * h)
                let analytic = 4 * (a[index] - r[index] / z)
                XCTAssertEqual(analytic, numeric, accuracy: 1e-6 + 1e-4 * abs(numeric), "dims \(dims), coordinate \(index)")
            }
        }
    }

    /// FFT interpolation and Barnes–Hut against the exact sums, on the fixture's points: at least as
    /// accurate as openTSNE's implementation of the same approximation on the same points (its errors
    /// recorded by Tools/make-embedding-fixtures.py), with 50 % slack for rounding and tree details.
    func testApproximationsAreAsAccurateAsOpenTSNEs() throws {
        let cases = try XCTUnwrap(EmbeddingFixtures.reference()["repulsion"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 4)
        for c in cases {
            let method = try XCTUnwrap(c["method"] as? String)
            let n = try XCTUnwrap(c["rows"] as? Int), dims = try XCTUnwrap(c["dims"] as? Int)
            let y = try XCTUnwrap(c["points"] as? [Double])
            let openZError = try XCTUnwrap(c["zError"] as? Double), openForceError = try XCTUnwrap(c["forceError"] as? Double)
            let (exact, exactZ) = Self.repulsion(ExactRepulsion(dims: dims, threads: 1), y, n: n, dims: dims)
            XCTAssertEqual(exactZ, try XCTUnwrap(c["zExact"] as? Double), accuracy: 1e-9 * exactZ)
            let approximation: any TSNERepulsion = method == "fft" ? InterpolationRepulsion(threads: 2) : BarnesHutRepulsion(dims: dims, threads: 2)
            let (forces, z) = Self.repulsion(approximation, y, n: n, dims: dims)
            let scale = exact.map { abs($0 / exactZ) }.max()!
            let forceError = zip(forces, exact).map { abs($0 / z - $1 / exactZ) }.max()! / scale
            let zError = abs(z - exactZ) / exactZ
            let label = "\(method), \(dims)-D, n \(n)"
            XCTAssertLessThanOrEqual(zError, max(1.5 * openZError, 1e-4), "Z: \(label); openTSNE \(openZError)")
            XCTAssertLessThanOrEqual(forceError, max(1.5 * openForceError, 5e-3), "forces: \(label); openTSNE \(openForceError)")
        }
    }

    static func repulsion(_ method: any TSNERepulsion, _ y: [Double], n: Int, dims: Int) -> ([Double], Double) {
        var method = method
        var r = [Double](repeating: 0, count: n * dims)
        let z = y.withUnsafeBufferPointer { yb in r.withUnsafeMutableBufferPointer { method.repulsion(yb.baseAddress!, count: n, into: $0.baseAddress!) } }
        return (r, z)
    }
}

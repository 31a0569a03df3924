import XCTest
@testable import StrataEmbedding

/// The t-SNE gradient: the analytic gradient against finite differences of KL(P‖Q), and the
/// approximate repulsive forces (FFT interpolation, Barnes–Hut) against every pair.
final class TSNEGradientTests: XCTestCase {
    /// A small random embedding and a random symmetric P (sum 1).
    static func problem(n: Int, dims: Int, seed: UInt64) -> (SparseMatrix, [Double]) {
        var random = SeededRandom(seed: seed)
        let y = (0 ..< n * dims).map { _ in random.normal() * 3 }
        var rows: [Int32] = [], cols: [Int32] = [], vals: [Double] = []
        for i in 0 ..< n {
            for _ in 0 ..< 4 {
                let j = random.below(n)
                if j == i { continue }
                rows.append(Int32(i)); cols.append(Int32(j)); vals.append(random.uniform() + 0.1)
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

    func testInterpolationMatchesExactRepulsion() {
        for (n, spread) in [(500, 3.0), (2000, 40.0)] {
            var random = SeededRandom(seed: 7)
            let y = (0 ..< n * 2).map { _ in random.normal() * spread }
            let (exact, exactZ) = Self.repulsion(ExactRepulsion(dims: 2, threads: 1), y, n: n, dims: 2)
            let (fft, fftZ) = Self.repulsion(InterpolationRepulsion(threads: 2), y, n: n, dims: 2)
            XCTAssertEqual(fftZ, exactZ, accuracy: 1e-3 * exactZ, "Z, n \(n)")
            let scale = exact.map(abs).max()!
            for i in 0 ..< 2 * n { XCTAssertEqual(fft[i], exact[i], accuracy: 2e-3 * scale, "force \(i), n \(n)") }
        }
    }

    func testBarnesHutMatchesExactRepulsion() {
        for dims in [2, 3] {
            let n = 1500
            var random = SeededRandom(seed: 11)
            let y = (0 ..< n * dims).map { _ in random.normal() * 10 }
            let (exact, exactZ) = Self.repulsion(ExactRepulsion(dims: dims, threads: 1), y, n: n, dims: dims)
            let (bh, bhZ) = Self.repulsion(BarnesHutRepulsion(dims: dims, threads: 2), y, n: n, dims: dims)
            XCTAssertEqual(bhZ, exactZ, accuracy: 1e-2 * exactZ, "Z, dims \(dims)")
            let scale = exact.map(abs).max()!
            for i in 0 ..< dims * n { XCTAssertEqual(bh[i], exact[i], accuracy: 3e-2 * scale, "force \(i), dims \(dims)") }
        }
    }

    static func repulsion(_ method: any TSNERepulsion, _ y: [Double], n: Int, dims: Int) -> ([Double], Double) {
        var method = method
        var r = [Double](repeating: 0, count: n * dims)
        let z = y.withUnsafeBufferPointer { yb in r.withUnsafeMutableBufferPointer { method.repulsion(yb.baseAddress!, count: n, into: $0.baseAddress!) } }
        return (r, z)
    }
}

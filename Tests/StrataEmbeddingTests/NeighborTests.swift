import StrataTestSupport
import XCTest
@testable import StrataEmbedding

/// Nearest neighbours against a brute-force double-precision loop.
final class NeighborTests: XCTestCase {
    /// Every row's k nearest other rows by a plain loop: indices and distances, nearest first.
    static func bruteForce(_ x: FeatureMatrix, k: Int) -> [[(Int, Double)]] {
        (0 ..< x.rows).map { i in
            var all: [(Int, Double)] = []
            for j in 0 ..< x.rows where j != i {
                var s = 0.0
                for c in 0 ..< x.columns {
                    let d = Double(x[i, c]) - Double(x[j, c])
                    s += d * d
                }
                all.append((j, s.squareRoot()))
            }
            all.sort { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
            return Array(all.prefix(k))
        }
    }

    func testExactNeighborsMatchBruteForce() throws {
        var random = SeededGenerator(seed: 3)
        let x = try FeatureMatrix(rows: 300, columns: 10, values: (0 ..< 3000).map { _ in Float(random.normal()) })
        let k = 7
        let graph = try NeighborSearch.exact.neighbors(of: x, k: k, threads: 2)
        let reference = Self.bruteForce(x, k: k)
        XCTAssertEqual(graph.count, 300)
        XCTAssertEqual(graph.k, k)
        for i in 0 ..< x.rows {
            for r in 0 ..< k {
                XCTAssertEqual(Int(graph.indices[i * k + r]), reference[i][r].0, "row \(i) rank \(r)")
                XCTAssertEqual(Double(graph.distances[i * k + r]), reference[i][r].1, accuracy: 1e-4 * reference[i][r].1 + 1e-5, "row \(i) rank \(r)")
            }
        }
    }

    func testNNDescentFindsAlmostAllTrueNeighbors() throws {
        let (x, _) = try EmbeddingFixtures.blobs(clusters: 8, perCluster: 250, dims: 16, seed: 5)
        let k = 10
        let approximate = try NeighborSearch.nnDescent.neighbors(of: x, k: k, seed: 1, threads: 2)
        let exact = try NeighborSearch.exact.neighbors(of: x, k: k, threads: 2)
        var found = 0
        for i in 0 ..< x.rows {
            let truth = Set(exact.indices[i * k ..< (i + 1) * k])
            found += approximate.indices[i * k ..< (i + 1) * k].filter { truth.contains($0) }.count
            let row = approximate.distances[i * k ..< (i + 1) * k]
            XCTAssertEqual(Array(row), row.sorted(), "row \(i) is not nearest first")
            XCTAssertFalse(approximate.indices[i * k ..< (i + 1) * k].contains(Int32(i)), "row \(i) lists itself")
        }
        let recall = Double(found) / Double(x.rows * k)
        XCTAssertGreaterThanOrEqual(recall, 0.95)
        let again = try NeighborSearch.nnDescent.neighbors(of: x, k: k, seed: 1, threads: 2)
        XCTAssertEqual(again, approximate, "same seed, same threads, same graph")
    }

    func testRefusesKOutOfRange() throws {
        let x = try FeatureMatrix(rows: 4, columns: 1, values: [0, 1, 2, 3])
        XCTAssertThrowsError(try NeighborSearch.exact.neighbors(of: x, k: 4))
        XCTAssertThrowsError(try NeighborSearch.nnDescent.neighbors(of: x, k: 0))
    }
}

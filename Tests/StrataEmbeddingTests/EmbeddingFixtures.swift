import Foundation
import StrataTestSupport
import XCTest
@testable import StrataEmbedding

/// Fixture access and small seeded data sets shared by the embedding tests.
enum EmbeddingFixtures {
    static let root = FixtureRoot.repository

    /// Fixtures/embedding/reference.json (Tools/make-embedding-fixtures.py).
    static func reference() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "/Fixtures/embedding/reference.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The fixture script's "wave" matrix: `float32(sin(0.37 i + 0.011 j (i % 3 + 1)) + 0.001 j / d)`.
    static func wave(rows: Int, columns: Int) -> [Float] {
        var values = [Float](repeating: 0, count: rows * columns)
        for i in 0 ..< rows {
            for j in 0 ..< columns {
                values[i * columns + j] = Float(sin(0.37 * Double(i) + 0.011 * Double(j) * Double(i % 3 + 1)) + 0.001 * Double(j) / Double(columns))
            }
        }
        return values
    }

    /// `clusters` Gaussian blobs of `perCluster` points in `dims` dimensions, centres 10 apart
    /// per coordinate, and each point's blob.
    static func blobs(clusters: Int, perCluster: Int, dims: Int, seed: UInt64) throws -> (FeatureMatrix, [Int]) {
        var random = SeededRandom(seed: seed)
        let centres = (0 ..< clusters * dims).map { _ in random.normal() * 10 }
        var values: [Float] = [], labels: [Int] = []
        for c in 0 ..< clusters {
            for _ in 0 ..< perCluster {
                for d in 0 ..< dims { values.append(Float(centres[c * dims + d] + random.normal())) }
                labels.append(c)
            }
        }
        return (try FeatureMatrix(rows: clusters * perCluster, columns: dims, values: values), labels)
    }

    /// The fraction of rows whose nearest other row in `embedding` has the same label.
    static func nearestNeighbourAgreement(_ embedding: FeatureMatrix, labels: [Int]) -> Double {
        var agree = 0
        for i in 0 ..< embedding.rows {
            var best = -1, bestDistance = Double.infinity
            for j in 0 ..< embedding.rows where j != i {
                var s = 0.0
                for c in 0 ..< embedding.columns {
                    let d = Double(embedding[i, c] - embedding[j, c])
                    s += d * d
                }
                if s < bestDistance { bestDistance = s; best = j }
            }
            if labels[best] == labels[i] { agree += 1 }
        }
        return Double(agree) / Double(embedding.rows)
    }
}

import XCTest
@testable import StrataEmbedding

/// Whole t-SNE runs: blobs stay apart, and the seed and thread count fix the result.
final class TSNETests: XCTestCase {
    func testSeparatesBlobsAndIsDeterministic() throws {
        let (x, labels) = try EmbeddingFixtures.blobs(clusters: 3, perCluster: 40, dims: 12, seed: 2)
        for gradient in [TSNE.Gradient.exact, .barnesHut, .interpolation] {
            var tsne = TSNE()
            tsne.perplexity = 10
            tsne.iterations = 300
            tsne.threads = 2
            tsne.seed = 8
            tsne.gradient = gradient
            let result = try tsne.fit(x)
            XCTAssertEqual(result.gradient, gradient)
            XCTAssertEqual(result.embedding.rows, 120)
            XCTAssertTrue(result.embedding.values.allSatisfy(\.isFinite), "\(gradient)")
            XCTAssertGreaterThanOrEqual(EmbeddingFixtures.nearestNeighbourAgreement(result.embedding, labels: labels), 0.98, "\(gradient)")
            XCTAssertLessThan(result.klDivergence, 1.0, "\(gradient)")
            if gradient != .exact {
                tsne.threads = 1
                XCTAssertEqual(try tsne.fit(x).embedding, result.embedding, "\(gradient): same seed, same result with 1 thread as with 2")
            }
        }
    }

    func testRefusesTooFewRows() throws {
        XCTAssertThrowsError(try TSNE().fit(try FeatureMatrix(rows: 1, columns: 2, values: [0, 1])))
    }
}

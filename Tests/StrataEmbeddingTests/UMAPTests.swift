import XCTest
@testable import StrataEmbedding

/// UMAP: the fitted curve against umap-learn's `find_ab_params`, and smoke tests of whole runs.
final class UMAPTests: XCTestCase {
    func testCurveMatchesUmapLearn() throws {
        let curves = try XCTUnwrap(EmbeddingFixtures.reference()["umapCurve"] as? [[String: Double]])
        XCTAssertEqual(curves.count, 4)
        for c in curves {
            let curve = try UMAPCurve(spread: c["spread"]!, minDist: c["minDist"]!)
            XCTAssertEqual(curve.a, c["a"]!, accuracy: 2e-3 * c["a"]!, "a for min_dist \(c["minDist"]!)")
            XCTAssertEqual(curve.b, c["b"]!, accuracy: 2e-3 * c["b"]!, "b for min_dist \(c["minDist"]!)")
        }
    }

    func testSeparatesBlobsDeterministically() throws {
        let (x, labels) = try EmbeddingFixtures.blobs(clusters: 4, perCluster: 60, dims: 20, seed: 9)
        var umap = UMAP()
        umap.seed = 4
        umap.threads = 2
        umap.epochs = 200
        let result = try umap.fit(x)
        XCTAssertEqual(result.embedding.rows, 240)
        XCTAssertEqual(result.embedding.columns, 2)
        XCTAssertTrue(result.embedding.values.allSatisfy(\.isFinite))
        XCTAssertGreaterThanOrEqual(EmbeddingFixtures.nearestNeighbourAgreement(result.embedding, labels: labels), 0.98)
        XCTAssertEqual(try umap.fit(x).embedding, result.embedding, "same seed, same result")
        umap.dimensions = 3
        let three = try umap.fit(x)
        XCTAssertEqual(three.embedding.columns, 3)
        XCTAssertGreaterThanOrEqual(EmbeddingFixtures.nearestNeighbourAgreement(three.embedding, labels: labels), 0.98)
    }

    func testRefusesTooFewRows() throws {
        XCTAssertThrowsError(try UMAP().fit(try FeatureMatrix(rows: 2, columns: 2, values: [0, 1, 2, 3])))
    }
}

import XCTest
@testable import StrataEmbedding

/// PCA against scikit-learn's `PCA(svd_solver="full")` (Fixtures/embedding/reference.json):
/// the same components with the same signs, variances and projections.
final class PCATests: XCTestCase {
    func testMatchesScikitLearn() throws {
        let cases = try XCTUnwrap(EmbeddingFixtures.reference()["pca"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 3)
        for c in cases {
            let name = try XCTUnwrap(c["name"] as? String)
            let rows = try XCTUnwrap(c["rows"] as? Int), columns = try XCTUnwrap(c["columns"] as? Int)
            let k = try XCTUnwrap(c["components"] as? Int)
            let values: [Float]
            if let stored = c["values"] as? [Double] {
                values = stored.map { Float($0) }
            } else {
                XCTAssertEqual(c["formula"] as? String, "wave")
                values = EmbeddingFixtures.wave(rows: rows, columns: columns)
            }
            let result = try PCA(components: k, threads: 2).fit(try FeatureMatrix(rows: rows, columns: columns, values: values))
            XCTAssertEqual(result.solver, columns > PCA.exactLimit ? .gram : .covariance, name)
            let variance = try XCTUnwrap(c["explainedVariance"] as? [Double])
            let ratio = try XCTUnwrap(c["explainedVarianceRatio"] as? [Double])
            for i in 0 ..< k {
                XCTAssertEqual(result.explainedVariance[i], variance[i], accuracy: 1e-5 * variance[0], "\(name) variance \(i)")
                XCTAssertEqual(result.explainedVarianceRatio[i], ratio[i], accuracy: 1e-5, "\(name) ratio \(i)")
            }
            let loadings = try XCTUnwrap(c["loadings"] as? [Double])
            for i in 0 ..< k * columns {
                XCTAssertEqual(Double(result.components.values[i]), loadings[i], accuracy: 1e-4, "\(name) loading \(i)")
            }
            let embedding = try XCTUnwrap(c["embedding"] as? [Double])
            let scale = embedding.map(abs).max()!
            for i in 0 ..< rows * k {
                XCTAssertEqual(Double(result.embedding.values[i]), embedding[i], accuracy: 1e-4 * scale, "\(name) coordinate \(i)")
            }
        }
    }

    func testRefusesTooFewRowsOrColumns() throws {
        let x = try FeatureMatrix(rows: 3, columns: 2, values: [1, 2, 3, 4, 5, 7])
        XCTAssertThrowsError(try PCA(components: 3).fit(x))
        XCTAssertThrowsError(try PCA(components: 1).fit(try FeatureMatrix(rows: 1, columns: 2, values: [1, 2])))
    }
}

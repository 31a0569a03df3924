import StrataAnalysis
import StrataCore
import StrataTensorBoard
import XCTest

final class TensorBoardHistogramTests: XCTestCase {
    /// Counts on the default bucket grid (StrataAnalysis' ValueHistogram) encode to exactly the
    /// buckets TensorFlow's HistogramSummary kernel writes for the same float32 values.
    func testGridEncodingEqualsTensorFlows() throws {
        let fixture = try TensorBoardFixtures.json("tf-histogram.json")
        let values = try XCTUnwrap(fixture["values"] as? [Double]).map(Float.init)
        let reference = try XCTUnwrap(fixture["tensorflow"] as? [String: Any])
        let counts = ValueHistogram(of: Tensor(values, shape: [values.count])).counts
        let doubles = values.map(Double.init)
        let histogram = try TensorBoardHistogram(
            grid: ValueHistogram.bucketLimits, counts: counts, min: doubles.min()!, max: doubles.max()!,
            num: Double(doubles.count), sum: doubles.reduce(0, +), sumSquares: doubles.reduce(0) { $0 + $1 * $1 })
        XCTAssertEqual(histogram.bucketLimits, reference["bucket_limit"] as? [Double])
        XCTAssertEqual(histogram.bucketCounts, reference["bucket"] as? [Double])
        XCTAssertEqual(histogram.min, reference["min"] as? Double)
        XCTAssertEqual(histogram.max, reference["max"] as? Double)
        XCTAssertEqual(histogram.num, reference["num"] as? Double)
        XCTAssertEqual(histogram.sum, try XCTUnwrap(reference["sum"] as? Double), accuracy: 1e-9 * 7e15)
        XCTAssertEqual(histogram.sumSquares, try XCTUnwrap(reference["sum_squares"] as? Double), accuracy: 1e-9 * 4.9e31)
    }

    func testEmptyRunsCollapse() throws {
        let h = try TensorBoardHistogram(grid: [1, 2, 3, 4, 5, 6], counts: [0, 0, 4, 0, 0, 1], min: 2, max: 5.5, num: 5, sum: 13, sumSquares: 40)
        XCTAssertEqual(h.bucketLimits, [2, 3, 5, 6])
        XCTAssertEqual(h.bucketCounts, [0, 4, 0, 1])
        XCTAssertThrowsError(try TensorBoardHistogram(grid: [1, 2], counts: [1], min: 0, max: 0, num: 1, sum: 0, sumSquares: 0))
        XCTAssertThrowsError(try TensorBoardHistogram(grid: [1, 2], counts: [1, -1], min: 0, max: 0, num: 1, sum: 0, sumSquares: 0))
    }
}

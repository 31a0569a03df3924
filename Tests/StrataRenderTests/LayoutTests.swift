import XCTest
@testable import StrataRender

/// Where feature-grid tiles go for the shapes and counts the brief names.
final class LayoutTests: XCTestCase {
    private func layout(count: Int, height: Int, width: Int) throws -> FeatureGridLayout {
        try FeatureGridLayout(count: count, mapHeight: height, mapWidth: width, labels: (0..<count).map(String.init), Typesetter())
    }

    func testSmallMapsAreEnlargedAndLabelled() throws {
        let one = try layout(count: 1, height: 7, width: 7)
        XCTAssertEqual(one.scaleX, one.scaleY)
        XCTAssertGreaterThanOrEqual(one.tileWidth, 200, "a single 7×7 map is shown large")
        XCTAssertGreaterThan(one.labelHeight, 0)
        let many = try layout(count: 2048, height: 7, width: 7)
        XCTAssertEqual(many.columns, 64)
        XCTAssertEqual(many.rows, 32)
        XCTAssertGreaterThanOrEqual(many.tileWidth, 14)
        XCTAssertEqual(many.labelHeight, 0, "tiles too narrow for labels: rows are labelled")
        XCTAssertGreaterThan(many.rowLabelWidth, 0)
        let ones = try layout(count: 64, height: 1, width: 1)
        XCTAssertLessThanOrEqual(ones.tileWidth, 64, "1×1 maps stay small patches")
    }

    func testLargeAndExtremeMapsAreReducedOrStretched() throws {
        let big = try layout(count: 2048, height: 112, width: 112)
        XCTAssertGreaterThan(big.reduction, 1)
        XCTAssertTrue(big.notes.contains { $0.hasPrefix("maps averaged over") }, "\(big.notes)")
        let long = try layout(count: 2, height: 1, width: 100_000)
        XCTAssertGreaterThanOrEqual(long.tileHeight, 16, "the short side is stretched to stay visible")
        XCTAssertLessThanOrEqual(long.tileWidth, 1024)
        XCTAssertTrue(long.notes.contains { $0.contains("stretched") && $0.contains("vertically") }, "\(long.notes)")
        let manyTiny = try layout(count: RenderLimits.maxTiles, height: 1, width: 1)
        XCTAssertLessThanOrEqual(manyTiny.bodyWidth, RenderLimits.maxSide)
        XCTAssertLessThanOrEqual(manyTiny.bodyHeight, RenderLimits.maxSide)
    }

    func testColumnCountsReadWell() {
        XCTAssertEqual(FeatureGridLayout.columnCount(count: 2048, ideal: 53.5), 64)
        XCTAssertEqual(FeatureGridLayout.columnCount(count: 512, ideal: 26.8), 32)
        XCTAssertEqual(FeatureGridLayout.columnCount(count: 64, ideal: 9.5), 8)
        XCTAssertEqual(FeatureGridLayout.columnCount(count: 3, ideal: 2.05), 3)
        XCTAssertEqual(FeatureGridLayout.columnCount(count: 40, ideal: 10), 8, "a multiple of 8 before a closer divisor")
        XCTAssertEqual(FeatureGridLayout.columnCount(count: 30, ideal: 5.2), 5, "a divisor before a multiple of 8")
        XCTAssertEqual(FeatureGridLayout.columnCount(count: 1, ideal: 1.2), 1)
        for count in [1, 5, 17, 100, 1000, 2047, 16384] {
            let ideal = (1.4 * Double(count)).squareRoot()
            let columns = FeatureGridLayout.columnCount(count: count, ideal: ideal)
            XCTAssertTrue((1...count).contains(columns), "\(count)")
            XCTAssertLessThanOrEqual(Double(columns), max(1.5 * ideal, 1), "\(count)")
        }
    }
}

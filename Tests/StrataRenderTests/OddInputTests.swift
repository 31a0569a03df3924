import XCTest
import StrataCore
@testable import StrataRender

/// Data a picture cannot or can barely draw: clear errors for the impossible, sensible pictures
/// (of bounded size) for the rest.
final class OddInputTests: XCTestCase {
    private func map(_ h: Int, _ w: Int, _ value: (Int) -> Float) throws -> FloatMap {
        try FloatMap(height: h, width: w, values: (0..<(h * w)).map(value))
    }

    /// Renders as PNG, checks it is well formed and within the limits, returns its size.
    @discardableResult
    private func renders(_ picture: some Picture, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> (width: Int, height: Int) {
        let png = try picture.render(format: .png)
        TestPictures.keep(png, "odd-\(name).png")
        let size = try XCTUnwrap(TestPictures.pngSize(png, file: file, line: line), name, file: file, line: line)
        XCTAssertLessThanOrEqual(size.width, RenderLimits.maxSide, name, file: file, line: line)
        XCTAssertLessThanOrEqual(size.height, RenderLimits.maxSide, name, file: file, line: line)
        return size
    }

    private func assertRefuses(_ picture: some Picture, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try picture.render(format: .png), file: file, line: line) { error in
            guard let error = error as? StrataError else { return XCTFail("not a StrataError: \(error)", file: file, line: line) }
            XCTAssertEqual(error.kind, .invalidInput, file: file, line: line)
            XCTAssertEqual(error.description, message, file: file, line: line)
        }
    }

    func testEmptyDataIsRefusedWithAReason() throws {
        assertRefuses(FeatureGrid(title: "t", tiles: .maps([])), "feature grid: no maps to draw")
        assertRefuses(FeatureGrid(title: "t", tiles: .maps([try map(0, 0) { _ in 0 }])), "feature grid: maps are 0×0, nothing to draw")
        assertRefuses(FeatureGrid(title: "t", tiles: .maps([try map(2, 2) { _ in 0 }, try map(3, 2) { _ in 0 }])),
                      "feature grid: tile 1 is 3×2, tile 0 is 2×2; all tiles must have one size")
        assertRefuses(FeatureGrid(title: "t", tiles: .maps([try map(2, 2) { _ in 0 }]), labels: ["a", "b"]), "feature grid: 2 labels for 1 tiles")
        assertRefuses(MapPicture(title: "t", map: try map(0, 5) { _ in 0 }), "map picture: map is 0×5, nothing to draw")
        assertRefuses(Heatmap(title: "t", matrix: try map(3, 0) { _ in 0 }), "heatmap: matrix is 3×0, nothing to draw")
        assertRefuses(BarChart(title: "t", values: []), "bar chart: no values to draw")
        assertRefuses(Histogram(title: "t", edges: [0], counts: []), "histogram: no bins to draw")
        assertRefuses(Histogram(title: "t", edges: [0, 1], counts: [1, 2]), "histogram: 2 bins need 3 edges, got 2")
        assertRefuses(Histogram(title: "t", edges: [0, 1, 1], counts: [1, 2]), "histogram: bin edges must increase, edge 2 (1.0) follows 1.0")
        assertRefuses(Histogram(title: "t", edges: [0, .nan], counts: [1]), "histogram: bin edge 1 is nan")
        assertRefuses(Histogram(title: "t", edges: [0, 1], counts: [-1]), "histogram: bin 0 has count -1.0; counts must be finite and not negative")
        assertRefuses(FeatureGrid(title: "t", tiles: .maps([try map(2, 2) { Float($0) }]), scale: .fixed(vmin: 3, vmax: 1)),
                      "feature grid: colour scale minimum 3.0 is above its maximum 1.0")
        assertRefuses(MapPicture(title: "t", map: try map(2, 2) { Float($0) }, scale: .fixed(vmin: 0, vmax: .infinity)),
                      "map picture: colour scale limits must be finite, got 0.0 … inf")
        let tooMany = Array(repeating: try map(1, 1) { _ in 1 }, count: RenderLimits.maxTiles + 1)
        assertRefuses(FeatureGrid(title: "t", tiles: .maps(tooMany)), "feature grid: 16385 tiles are more than the 16384 one picture shows; pick channels first")
    }

    func testSizesThatDoNotMatchAreRefused() {
        XCTAssertThrowsError(try FloatMap(height: 2, width: 3, values: [1, 2])) { error in
            XCTAssertEqual("\(error)", "a 2×3 map needs 6 values, got 2")
        }
        XCTAssertThrowsError(try FloatMap(height: Int.max, width: 2, values: [])) { error in
            XCTAssertEqual("\(error)", "a 9223372036854775807×2 map needs more than Int.max values, got 0")
        }
        XCTAssertThrowsError(try FloatMap(height: -1, width: 2, values: []))
        XCTAssertThrowsError(try RasterImage(width: 2, height: 2, channels: 4, pixels: [UInt8](repeating: 0, count: 16)))
        XCTAssertThrowsError(try RasterImage(width: 2, height: 2, channels: 3, pixels: [1, 2, 3]))
        XCTAssertThrowsError(try FloatMap.channels(of: [1, 2, 3], height: 1, width: 2, channels: 2, layout: .channelsLast))
    }

    func testNaNInfinityAndConstantMapsDraw() throws {
        let allNaN = try map(7, 7) { _ in .nan }
        let someNaN = try map(7, 7) { $0 % 5 == 0 ? .nan : Float($0) }
        let constant = try map(7, 7) { _ in 2.5 }
        let infinite = try map(7, 7) { $0 == 3 ? .infinity : $0 == 4 ? -.infinity : Float($0) }
        let huge = try map(7, 7) { $0 % 2 == 0 ? -3e38 : 3e38 }
        let tiles = [allNaN, someNaN, constant, infinite, huge]
        for scale in [ColorScale.perTile, .global, .symmetric(), .fixed(vmin: -1, vmax: 1)] {
            try renders(FeatureGrid(title: "odd maps", tiles: .maps(tiles), scale: scale), "grid-\(scale)")
        }
        for (i, tile) in tiles.enumerated() {
            try renders(MapPicture(title: "odd map \(i)", map: tile), "map-\(i)")
            try renders(Heatmap(title: "odd heatmap \(i)", matrix: tile, colorMap: .rdBuR, scale: .symmetric()), "heatmap-\(i)")
            let base = try RasterImage(width: 9, height: 9, channels: 1, pixels: [UInt8](repeating: 100, count: 81))
            try renders(OverlayPicture(title: "odd overlay \(i)", base: base, map: tile), "overlay-\(i)")
        }
        try renders(BarChart(title: "odd bars", values: [.nan, .infinity, -.infinity, 1, -2, 0], highlightTop: 10), "bars")
        try renders(BarChart(title: "all NaN", values: [.nan, .nan]), "bars-nan")
        try renders(BarChart(title: "all zero", values: [0, 0, 0]), "bars-zero")
        try renders(Histogram(title: "empty bins", edges: [0, 1, 2], counts: [0, 0], logarithmic: true), "hist-empty-log")
        try renders(Histogram(title: "empty bins", edges: [0, 1, 2], counts: [0, 0]), "hist-empty")
        try renders(Histogram(title: "tiny range", edges: [1, 1.000001, 1.000002], counts: [3, 1e9], logarithmic: true), "hist-tiny")
        // The NaN colour, and under/over at the ends, are what the grid draws.
        let norm = try Normalization(vmin: -1, vmax: 1)
        XCTAssertEqual(ColorMap.viridis.color(of: .infinity, in: norm), ColorMap.viridis.entries[255])
        XCTAssertEqual(ColorMap.viridis.color(of: -.infinity, in: norm), ColorMap.viridis.entries[0])
    }

    func testExtremeShapesStayWithinTheLimits() throws {
        let long = try map(1, 100_000) { Float($0 % 1000) }
        let grid = try renders(FeatureGrid(title: "1×100000", tiles: .maps([long, long])), "grid-long")
        XCTAssertLessThan(grid.width, 4000)
        let tall = try map(100_000, 1) { Float($0 % 977) }
        try renders(FeatureGrid(title: "100000×1", tiles: .maps([tall])), "grid-tall")
        try renders(MapPicture(title: "1×100000", map: long), "map-long")
        try renders(Heatmap(title: "1×100000", matrix: long), "heatmap-long")
        try renders(Heatmap(title: "100000×1", matrix: tall), "heatmap-tall")
        try renders(BarChart(title: "100000 units", values: long.values, highlightTop: 3), "bars-100000")
        let big = try map(600, 1000) { Float($0 % 1001) }
        try renders(FeatureGrid(title: "600×1000", tiles: .maps([big])), "grid-big")
        let base = try RasterImage(width: 2100, height: 900, channels: 1, pixels: [UInt8](repeating: 50, count: 2100 * 900))
        try renders(OverlayPicture(title: "large overlay", base: base, map: try map(3, 3) { Float($0) }), "overlay-large")
    }

    func testTwoThousandTilesOfEveryKind() throws {
        let distinct = TestPictures.activations(count: 32, height: 112, width: 112, seed: 4)
        let maps = (0..<2048).map { distinct[$0 % 32] }
        let size = try renders(FeatureGrid(title: "2048 × 112×112", tiles: .maps(maps)), "grid-2048-112")
        XCTAssertLessThan(size.width * size.height, RenderLimits.maxPixels)
        let planes = TestPictures.signed(count: 2048 * 3, height: 3, width: 3, seed: 8)
        let rgb = try (0..<2048).map { try FeatureGrid.RGBTile(red: planes[3 * $0], green: planes[3 * $0 + 1], blue: planes[3 * $0 + 2]) }
        try renders(FeatureGrid(title: "2048 RGB filters", tiles: .rgb(rgb), scale: .symmetric()), "grid-2048-rgb")
        let labels = (0..<2048).map { "channel \($0) of a very long layer name" }
        try renders(FeatureGrid(title: String(repeating: "a very long title ", count: 40), tiles: .maps(Array(maps.prefix(64))), labels: labels.prefix(64).map { $0 }), "grid-long-labels")
    }
}

import XCTest
import StrataCore
@testable import StrataRender

/// The scatter plot of an embedding and the projector's sprite sheet: group colours from
/// matplotlib's qualitative maps, every format, thumbnails, and clear refusals.
final class ScatterPlotTests: XCTestCase {
    func testGroupColorsAreMatplotlibsTab10AndTab20() throws {
        let qualitative = try XCTUnwrap(Fixtures.visual("colormap-reference.json")["qualitative"] as? [String: [[Int]]])
        let tab10 = try XCTUnwrap(qualitative["tab10"]), tab20 = try XCTUnwrap(qualitative["tab20"])
        XCTAssertEqual(tab10.count, 10)
        XCTAssertEqual(tab20.count, 20)
        for i in 0 ..< 10 {
            let c = GroupColors.color(i, of: 10)
            XCTAssertEqual([Int(c.red), Int(c.green), Int(c.blue)], tab10[i], "tab10 \(i)")
        }
        for i in 0 ..< 25 {
            let c = GroupColors.color(i, of: 25)
            XCTAssertEqual([Int(c.red), Int(c.green), Int(c.blue)], tab20[i % 20], "tab20 \(i)")
        }
    }

    private func spiral(_ n: Int) -> (x: [Double], y: [Double], group: [Int?]) {
        let t = (0 ..< n).map { Double($0) / Double(n) * 12 }
        return (t.map { $0 * cos($0) }, t.map { $0 * sin($0) }, (0 ..< n).map { $0 % 7 == 6 ? nil : $0 % 3 })
    }

    func testDrawsEveryFormatDeterministically() throws {
        let s = spiral(400)
        let plot = ScatterPlot(title: "t-SNE of fc", subtitle: "digits.keras", notes: ["400 inputs"], x: s.x, y: s.y,
                               group: s.group, groups: ["zero", "one", "two"])
        let png = try plot.render(format: .png)
        TestPictures.keep(png, "scatter.png")
        let size = try XCTUnwrap(TestPictures.pngSize(png))
        XCTAssertGreaterThan(size.width, ScatterPlot.plotSide)
        XCTAssertGreaterThan(size.height, ScatterPlot.plotSide)
        XCTAssertEqual(try plot.render(format: .png), png, "same data, same bytes")
        let svg = String(decoding: try plot.render(format: .svg), as: UTF8.self)
        XCTAssertTrue(svg.hasPrefix("<?xml"))
        XCTAssertTrue(svg.contains("<svg"))
        let pdf = try plot.render(format: .pdf)
        XCTAssertEqual(Array(pdf.prefix(5)), Array("%PDF-".utf8))
    }

    func testThumbnailsAndManyGroupsDraw() throws {
        let s = spiral(60)
        let images = try (0 ..< 60).map { i in
            try RasterImage(width: 6, height: 4, channels: 1, pixels: (0 ..< 24).map { UInt8(($0 * 10 + i) % 256) })
        }
        let groups = (0 ..< 30).map { "class \($0)" }
        let plot = ScatterPlot(title: "thumbnails", x: s.x, y: s.y, group: (0 ..< 60).map { $0 % 30 }, groups: groups, thumbnails: images)
        let png = try plot.render(format: .png)
        TestPictures.keep(png, "scatter-thumbnails.png")
        XCTAssertNotNil(TestPictures.pngSize(png))
    }

    func testLayoutKeepsOneScaleForBothAxes() {
        let plot = ScatterPlot(title: "t", x: [0, 10, 5], y: [0, 1, 0.5], group: [nil, nil, nil], groups: [])
        let (positions, xRange, yRange) = plot.layout()
        XCTAssertEqual(xRange.upperBound - xRange.lowerBound, yRange.upperBound - yRange.lowerBound, accuracy: 1e-12)
        // Equal data steps are equal pixel steps across and up.
        XCTAssertEqual(positions[1].0 - positions[2].0, positions[2].0 - positions[0].0, accuracy: 1e-9)
        XCTAssertEqual(positions[0].1 - positions[2].1, (positions[1].0 - positions[0].0) / 20, accuracy: 1e-9)
    }

    private func assertRefuses(_ plot: ScatterPlot, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try plot.render(format: .png), file: file, line: line) { error in
            XCTAssertEqual((error as? StrataError)?.description, message, file: file, line: line)
        }
    }

    func testRefusesWhatItCannotDraw() throws {
        assertRefuses(ScatterPlot(title: "t", x: [], y: [], group: [], groups: []), "scatter plot: no points to draw")
        assertRefuses(ScatterPlot(title: "t", x: [1, 2], y: [1], group: [nil, nil], groups: []),
                      "scatter plot: 2 x, 1 y and 2 group values; all must be one per point")
        assertRefuses(ScatterPlot(title: "t", x: [1, .nan], y: [1, 2], group: [nil, nil], groups: []),
                      "scatter plot: point 1 is at (nan, 2.0); coordinates must be finite")
        assertRefuses(ScatterPlot(title: "t", x: [1, 2], y: [1, 2], group: [0, 1], groups: ["a"]),
                      "scatter plot: point 1 is in group 1, but there are 1 groups")
    }

    func testSpriteSheetPlacesCellsRowByRow() throws {
        let images = try (0 ..< 5).map { i in try RasterImage(width: 3, height: 3, channels: 1, pixels: [UInt8](repeating: UInt8(40 * i), count: 9)) }
        let sheet = SpriteSheet(images: images, cellWidth: 4, cellHeight: 4)
        XCTAssertEqual(sheet.cellsPerSide, 3)
        let png = try sheet.png()
        let size = try XCTUnwrap(TestPictures.pngSize(png))
        XCTAssertEqual(size.width, 12)
        XCTAssertEqual(size.height, 12)
        XCTAssertThrowsError(try SpriteSheet(images: images, cellWidth: 2, cellHeight: 4).png())
        XCTAssertThrowsError(try SpriteSheet(images: [], cellWidth: 2, cellHeight: 2).png())
    }
}

import XCTest
@testable import StrataRender

/// Bilinear resizing and overlay blending against `Fixtures/visual/overlay-reference.json`
/// (Tools/make-overlay-reference.py: torch's interpolate, matplotlib's colours, numpy's rint).
final class OverlayTests: XCTestCase {
    private func cases() throws -> [[String: Any]] {
        try XCTUnwrap(Fixtures.visual("overlay-reference.json")["cases"] as? [[String: Any]])
    }

    private func inputs(_ c: [String: Any]) throws -> (RasterImage, FloatMap) {
        let base = try RasterImage(
            width: try XCTUnwrap(c["width"] as? Int), height: try XCTUnwrap(c["height"] as? Int),
            channels: try XCTUnwrap(c["channels"] as? Int), pixels: try Fixtures.ints(c["base"]).map { UInt8($0) })
        let map = try FloatMap(
            height: try XCTUnwrap(c["mapHeight"] as? Int), width: try XCTUnwrap(c["mapWidth"] as? Int),
            values: try Fixtures.floats(c["map"]))
        return (base, map)
    }

    func testResizeMatchesTheDefinitionExactlyAndTorchClosely() throws {
        for c in try cases() {
            let name = try XCTUnwrap(c["name"] as? String)
            let (base, map) = try inputs(c)
            let resized = try map.resizedBilinear(height: base.height, width: base.width)
            let exact = try Fixtures.floats(c["resized"]), torch = try Fixtures.floats(c["torch"])
            XCTAssertEqual(resized.values.count, exact.count, name)
            let finite = map.values.filter(\.isFinite)
            let scale = max((finite.max() ?? 0) - (finite.min() ?? 0), finite.map(abs).max() ?? 1)
            for i in exact.indices {
                let got = resized.values[i]
                XCTAssertEqual(got.bitPattern, exact[i].bitPattern, "\(name)[\(i)]: \(got), reference \(exact[i])")
                if got.isNaN || torch[i].isNaN {
                    XCTAssertTrue(got.isNaN && torch[i].isNaN, "\(name)[\(i)]: \(got), torch \(torch[i])")
                } else if got.isFinite {
                    XCTAssertEqual(got, torch[i], accuracy: 1e-6 * scale, "\(name)[\(i)] against torch")
                } else {
                    XCTAssertEqual(got, torch[i], "\(name)[\(i)] against torch")
                }
            }
        }
    }

    func testBlendMatchesNumpy() throws {
        for c in try cases() {
            let name = try XCTUnwrap(c["name"] as? String)
            let (base, map) = try inputs(c)
            let colorMap = try XCTUnwrap(ColorMap(named: try XCTUnwrap(c["colorMap"] as? String)))
            let picture = OverlayPicture(title: name, base: base, map: map, colorMap: colorMap, alpha: try XCTUnwrap(c["alpha"] as? Double))
            let blended = try picture.blended()
            XCTAssertEqual(blended.channels, 3)
            XCTAssertEqual(blended.width, base.width)
            XCTAssertEqual(blended.height, base.height)
            let want = try Fixtures.ints(c["blended"])
            let mismatches = zip(blended.pixels, want).enumerated().filter { Int($0.element.0) != $0.element.1 }
            XCTAssertTrue(mismatches.isEmpty, "\(name): \(mismatches.count) bytes differ, first at \(mismatches.first.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "")")
        }
    }

    func testOverlayRefusesWhatItCannotDraw() throws {
        let base = try RasterImage(width: 4, height: 4, channels: 1, pixels: [UInt8](repeating: 9, count: 16))
        let map = try FloatMap(height: 2, width: 2, values: [0, 1, 2, 3])
        XCTAssertThrowsError(try OverlayPicture(title: "t", base: base, map: map, alpha: 1.5).blended()) { error in
            XCTAssertTrue("\(error)".contains("alpha"), "\(error)")
        }
        let empty = try FloatMap(height: 0, width: 3, values: [])
        XCTAssertThrowsError(try OverlayPicture(title: "t", base: base, map: empty).render(format: .png)) { error in
            XCTAssertEqual("\(error)", "overlay: heat map is 0×3, nothing to draw")
        }
        let none = try RasterImage(width: 0, height: 0, channels: 3, pixels: [])
        XCTAssertThrowsError(try OverlayPicture(title: "t", base: none, map: map).blended())
        XCTAssertThrowsError(try map.resizedBilinear(height: 0, width: 5))
        XCTAssertThrowsError(try map.resizedBilinear(height: 20000, width: 5)) { error in
            XCTAssertTrue("\(error)".contains("exceeds the limit"), "\(error)")
        }
    }
}

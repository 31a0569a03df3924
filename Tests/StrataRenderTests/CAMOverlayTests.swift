import Foundation
import StrataRender
import XCTest

/// `CAMOverlay` against pytorch-grad-cam 1.5.7's `show_cam_on_image` (`Tools/make-cam-fixtures.py`,
/// `Fixtures/cam/overlay-gradcam.json`), and `ImagePicture`'s PNG size.
final class CAMOverlayTests: XCTestCase {
    func reference() throws -> [String: Any] {
        let path = Fixtures.root + "/Fixtures/cam/overlay-gradcam.json"
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path), "missing \(path)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testBlendEqualsShowCamOnImage() throws {
        let ref = try reference()
        let width = try XCTUnwrap(ref["width"] as? Int), height = try XCTUnwrap(ref["height"] as? Int)
        let image = try RasterImage(width: width, height: height, channels: 3, pixels: try Fixtures.ints(ref["image"]).map { UInt8($0) })
        let heatmap = try FloatMap(height: height, width: width, values: try Fixtures.floats(ref["heatmap_bits"]))
        let blended = try CAMOverlay.blend(image: CAMOverlay.unitImage(image), width: width, height: height, mask: heatmap)
        XCTAssertEqual(blended.pixels.map(Int.init), try Fixtures.ints(ref["overlay"]))
    }

    func testOpenCVJetIsNotMatplotlibJet() {
        XCTAssertEqual(ColorMap.opencvJet.entries.first, RGB(0, 0, 128))
        XCTAssertNotEqual(ColorMap.opencvJet.entries, ColorMap.jet.entries)
    }

    func testBadArgumentsAreErrors() throws {
        let mask = try FloatMap(height: 1, width: 2, values: [0, 1])
        XCTAssertThrowsError(try CAMOverlay.blend(image: [Float](repeating: 0.5, count: 3), width: 1, height: 1, mask: mask))
        XCTAssertThrowsError(try CAMOverlay.blend(image: [Float](repeating: 2, count: 6), width: 2, height: 1, mask: mask))
        XCTAssertThrowsError(try CAMOverlay.blend(image: [Float](repeating: 0.5, count: 6), width: 2, height: 1, mask: mask, imageWeight: 1.5))
    }

    func testImagePictureIsThePixelsSize() throws {
        let image = try RasterImage(width: 5, height: 3, channels: 1, pixels: [UInt8](repeating: 9, count: 15))
        let png = try ImagePicture(image: image).render(format: .png)
        XCTAssertEqual(Array(png[1 ... 3]), Array("PNG".utf8))
        // IHDR: width and height, big-endian, at bytes 16…23.
        XCTAssertEqual(Array(png[16 ..< 24]), [0, 0, 0, 5, 0, 0, 0, 3])
    }
}

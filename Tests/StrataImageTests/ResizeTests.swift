import Foundation
import XCTest
@testable import StrataImage

/// Resampling against Pillow's `Image.resize` (reference/resize.json), bit for bit.
final class ResizeTests: XCTestCase {
    func testEveryFilterSizeAndBoxMatchesPillow() throws {
        let cases = try XCTUnwrap(ImageFixtures.reference("resize.json") as? [[String: Any]])
        XCTAssertGreaterThan(cases.count, 150)
        var sources: [String: RasterImage] = [:]
        var failures = 0
        for entry in cases {
            let name = try XCTUnwrap(entry["source"] as? String)
            let source = try sources[name] ?? ImageFixtures.decode(name).image.rgb()
            sources[name] = source
            let image = entry["mode"] as? String == "L" ? source.grey() : source
            let filter = try XCTUnwrap(ResampleFilter(name: try XCTUnwrap(entry["filter"] as? String)))
            let width = try XCTUnwrap(entry["width"] as? Int), height = try XCTUnwrap(entry["height"] as? Int)
            var region: RasterImage.Region?
            if let box = entry["box"] as? [Double] {
                region = RasterImage.Region(left: Float(box[0]), top: Float(box[1]), right: Float(box[2]), bottom: Float(box[3]))
            }
            let out = image.resized(width: width, height: height, filter: filter, region: region)
            XCTAssertEqual(out.width, width)
            XCTAssertEqual(out.height, height)
            if ImageFixtures.fnv1a64(out.pixels) != entry["fnv1a64"] as? String {
                failures += 1
                XCTFail("\(name) \(entry["mode"]!) \(filter) to \(width)x\(height) box \(entry["box"] ?? "none") differs from Pillow")
            }
        }
        XCTAssertEqual(failures, 0)
    }

    func testNearestStepsThroughSourceCentres() {
        // 4 → 3 columns: step 4/3, positions 0.667, 2.0, 3.333 → columns 0, 2, 3.
        let image = RasterImage(width: 4, height: 1, channels: 1, pixels: [10, 20, 30, 40])
        XCTAssertEqual(image.resized(width: 3, height: 1, filter: .nearest).pixels, [10, 30, 40])
    }

    func testFilterNames() {
        XCTAssertEqual(ResampleFilter(name: "area"), .box)
        XCTAssertEqual(ResampleFilter(name: "Bicubic"), .bicubic)
        XCTAssertNil(ResampleFilter(name: "cubic"))
    }

    func testCentreCropAsTorchvision() {
        let image = RasterImage(width: 7, height: 4, channels: 1, pixels: Array(0 ..< 28))
        // Left (7 - 2) / 2 = 2.5 rounds to 2 and top (4 - 1) / 2 = 1.5 to 2: Python's round, half to even.
        XCTAssertEqual(image.centerCropped(width: 2, height: 1).pixels, [16, 17])
        // A crop taller than the image pads (7 - 4) // 2 = 1 row above and 2 below with zeros.
        XCTAssertEqual(image.centerCropped(width: 1, height: 7).pixels, [0, 3, 10, 17, 24, 0, 0])
    }
}

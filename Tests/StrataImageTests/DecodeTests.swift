import Foundation
import XCTest
@testable import StrataImage

/// Decoding against Pillow's `Image.open(f).convert("RGB")` / `.convert("L")` (reference/decoded.json).
final class DecodeTests: XCTestCase {
    func testEveryFixtureDecodesAsPillowConvertsIt() throws {
        let references = try XCTUnwrap(ImageFixtures.reference("decoded.json") as? [String: [String: Any]])
        XCTAssertGreaterThan(references.count, 35)
        for (name, entry) in references.sorted(by: { $0.key < $1.key }) {
            let decoded = try ImageFixtures.decode(name)
            for (key, image) in [("rgb", decoded.image.rgb()), ("grey", decoded.image.grey())] {
                let want = try XCTUnwrap(entry[key] as? [String: Any])
                XCTAssertEqual(image.width, want["width"] as? Int, "\(name) \(key) width")
                XCTAssertEqual(image.height, want["height"] as? Int, "\(name) \(key) height")
                guard image.width == want["width"] as? Int, image.height == want["height"] as? Int else { continue }
                for sample in want["samples"] as? [[Any]] ?? [] {
                    let y = sample[0] as! Int, x = sample[1] as! Int, values = sample[2] as! [Int]
                    let got = (0 ..< image.channels).map { Int(image[y, x, $0]) }
                    XCTAssertEqual(got, values, "\(name) \(key) pixel (\(y), \(x))")
                }
                XCTAssertEqual(ImageFixtures.fnv1a64(image.pixels), want["fnv1a64"] as? String, "\(name) \(key) digest")
            }
        }
    }

    func testWhatTheFileWasIsReported() throws {
        let cases: [(String, DecodedImage.Format, DecodedImage.Colour, Int, Bool, Int)] = [
            ("grey-1.png", .png, .grey, 1, false, 1),
            ("grey-16.png", .png, .grey, 16, false, 1),
            ("grey-alpha-16.png", .png, .greyAlpha, 16, false, 1),
            ("rgba-16-interlaced.png", .png, .rgba, 16, true, 3),
            ("palette-2-interlaced.png", .png, .palette, 2, true, 3),
            ("grey.jpg", .jpeg, .grey, 8, false, 1),
            ("progressive.jpg", .jpeg, .rgb, 8, true, 3),
            ("cmyk.jpg", .jpeg, .cmyk, 8, false, 3),
        ]
        for (name, format, colour, bits, interlaced, channels) in cases {
            let decoded = try ImageFixtures.decode(name)
            XCTAssertEqual(decoded.format, format, name)
            XCTAssertEqual(decoded.colour, colour, name)
            XCTAssertEqual(decoded.bitDepth, bits, name)
            XCTAssertEqual(decoded.interlaced, interlaced, name)
            XCTAssertEqual(decoded.image.channels, channels, name)
        }
        XCTAssertTrue(try ImageFixtures.decode("palette-trns.png").hasTransparency)
        XCTAssertEqual(try ImageFixtures.decode("rgba-16.png").conversions, ["dropped the alpha channel", "reduced 16-bit samples to 8 bits (high byte)"])
        XCTAssertEqual(try ImageFixtures.decode("cmyk.jpg").summary, "JPEG, CMYK, 37x23")
        XCTAssertEqual(try ImageFixtures.decode("grey-4-interlaced.png").summary, "PNG, 4-bit grey, interlaced, 37x23")
    }

    func testExtraneousJPEGBytesAreAWarningNotAnError() throws {
        let decoded = try ImageFixtures.decode("extraneous.jpg")
        XCTAssertEqual(decoded.warnings, ["Corrupt JPEG data: 4 extraneous bytes before marker 0xdb"])
        XCTAssertEqual(decoded.image, try ImageFixtures.decode("rgb-420.jpg").image)
    }

    func testFormatComesFromTheSignatureNotTheName() throws {
        let png = try Data(contentsOf: URL(fileURLWithPath: ImageFixtures.path("rgb-8.png")))
        let decoded = try ImageDecoder.decode(bytes: Array(png), name: "photo.jpg")
        XCTAssertEqual(decoded.format, .png)
        XCTAssertNil(ImageDecoder.format(of: Array("GIF89a".utf8)))
    }
}

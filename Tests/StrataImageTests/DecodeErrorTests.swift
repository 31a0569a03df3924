import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataImage

/// Every bad file is one clear, located error, never a crash, a hang or a huge allocation.
final class DecodeErrorTests: XCTestCase {
    func message(_ path: String) -> String? {
        do {
            _ = try ImageDecoder.decode(path: path)
            XCTFail("\(path) decoded")
            return nil
        } catch let error as StrataError {
            return error.description
        } catch {
            XCTFail("\(path) threw \(error)")
            return nil
        }
    }

    func fixtureMessage(_ name: String) -> String? {
        message(ImageFixtures.path(name)).map { String($0.dropFirst(ImageFixtures.path(name).count + 2)) }
    }

    func testBrokenFixtures() {
        XCTAssertEqual(fixtureMessage("empty.png"), "empty file, not a PNG or JPEG image")
        XCTAssertEqual(fixtureMessage("not-an-image.png"), "not a PNG or JPEG file")
        XCTAssertEqual(fixtureMessage("truncated.png"), "corrupt PNG data: unexpected end of file (truncated)")
        // The flipped byte breaks the zlib stream before libpng reaches the chunk's CRC.
        XCTAssertEqual(fixtureMessage("corrupt-crc.png"), "corrupt PNG data: IDAT: invalid code -- missing end-of-block")
        XCTAssertEqual(fixtureMessage("truncated.jpg"), "corrupt JPEG data: Premature end of JPEG file")
        let corrupt = fixtureMessage("corrupt.jpg") ?? ""
        XCTAssertTrue(corrupt.hasPrefix("corrupt JPEG data: "), corrupt)
        let limits = "beyond Strata's limit of 65535 pixels a side and 268435456 pixels in all"
        XCTAssertEqual(fixtureMessage("huge.png"), "image is 100000x100000 pixels, " + limits)
        XCTAssertEqual(fixtureMessage("huge-side.png"), "image is 70000x1 pixels, " + limits)
        XCTAssertEqual(fixtureMessage("huge.jpg"), "image is 60000x60000 pixels, " + limits)
    }

    func testErrorsNameTheFileAndKind() throws {
        do {
            _ = try ImageDecoder.decode(path: ImageFixtures.path("truncated.jpg"))
            XCTFail("decoded")
        } catch let error as StrataError {
            XCTAssertEqual(error.kind, .corruptFile)
            XCTAssertEqual(error.location.file, ImageFixtures.path("truncated.jpg"))
        }
    }

    func testFilesThatAreNotRegularFiles() throws {
        let folder = try makeScratchFolder(prefix: "strata-image")
        XCTAssertEqual(message(folder), "\(folder): is a directory, not an image file")
        XCTAssertEqual(message(folder + "/missing.png"), "\(folder)/missing.png: file not found")
        let fifo = folder + "/pipe.png"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        // Opening a FIFO for reading would block until a writer appears; the decoder must not.
        XCTAssertEqual(message(fifo), "\(fifo): not a regular file (a FIFO, socket or device)")
    }

    /// Any cut inside the image data is an error. A PNG cut after its last IDAT chunk's data still
    /// decodes (Pillow does not read on to IEND either), so PNG cuts stop before that CRC.
    func testTruncationAtEveryLengthIsAnError() throws {
        for name in ["rgb-8-interlaced.png", "palette-2.png", "rgb-420.jpg", "progressive.jpg", "cmyk.jpg"] {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: ImageFixtures.path(name))))
            let end = name.hasSuffix(".png") ? bytes.count - 16 : bytes.count
            for length in stride(from: 0, to: end, by: max(1, end / 97)) {
                do {
                    _ = try ImageDecoder.decode(bytes: Array(bytes[..<length]), name: name)
                    XCTFail("\(name) cut to \(length) bytes decoded")
                } catch let error as StrataError {
                    XCTAssertFalse(error.description.contains("\n"), error.description)
                }
            }
        }
    }
}

import Foundation
import XCTest
@testable import StrataRender

/// Same input → same bytes in every format, and every format agrees on the picture's size.
final class DeterminismTests: XCTestCase {
    func testRenderingTwiceGivesTheSameBytes() throws {
        for (name, picture) in GoldenPictures.all {
            for format in PictureFormat.allCases {
                let first = try picture.render(format: format)
                // Drawing something else in between moves cairo's process-wide surface counters.
                _ = try GoldenPictures.bars().render(format: format)
                let second = try picture.render(format: format)
                XCTAssertEqual(first, second, "\(name).\(format.pathExtension) differs between two renders")
                TestPictures.keep(first, "determinism-\(name).\(format.pathExtension)")
            }
        }
    }

    func testFormatsAgreeOnTheSize() throws {
        for (name, picture) in GoldenPictures.all {
            let png = try XCTUnwrap(TestPictures.pngSize(try picture.render(format: .png)), name)
            let svg = String(decoding: try picture.render(format: .svg), as: UTF8.self)
            XCTAssertTrue(svg.contains("width=\"\(png.width)pt\" height=\"\(png.height)pt\""), "\(name): SVG size is not \(png.width)×\(png.height)")
            let pdf = String(decoding: try picture.render(format: .pdf), as: UTF8.self)
            XCTAssertTrue(pdf.hasPrefix("%PDF-1."), name)
            XCTAssertTrue(pdf.contains("/MediaBox [ 0 0 \(png.width) \(png.height) ]"), "\(name): PDF page is not \(png.width)×\(png.height)")
            XCTAssertTrue(pdf.contains("/CreationDate (20000101000000)"), "\(name): PDF creation date is not the fixed one")
            XCTAssertTrue(pdf.contains("/ModDate (20000101000000)"), "\(name): PDF modification date is not the fixed one")
        }
    }

    func testSVGIdentifiersAreRenumberedInOrderOfAppearance() {
        let svg = ##"<g id="surface17"><image id="image21"/><use xlink:href="#image21"/><use xlink:href="#glyph0-3"/><image id="image9"/><use xlink:href="#image9"/><rect fill="url(#surface17)"/></g><text>image5</text>"##
        let renumbered = String(decoding: SVGIdentifiers.renumbered(Array(svg.utf8)), as: UTF8.self)
        XCTAssertEqual(renumbered, ##"<g id="surface1"><image id="image1"/><use xlink:href="#image1"/><use xlink:href="#glyph0-3"/><image id="image2"/><use xlink:href="#image2"/><rect fill="url(#surface1)"/></g><text>image5</text>"##)
    }

    func testPathExtensions() {
        XCTAssertEqual(PictureFormat(pathExtension: "PNG"), .png)
        XCTAssertEqual(PictureFormat(pathExtension: ".svg"), .svg)
        XCTAssertEqual(PictureFormat(pathExtension: "pdf"), .pdf)
        XCTAssertNil(PictureFormat(pathExtension: "jpg"))
        XCTAssertNil(PictureFormat(pathExtension: ""))
        XCTAssertEqual(PictureFormat.allCases.map(\.pathExtension), ["png", "svg", "pdf"])
    }
}

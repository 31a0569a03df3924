import StrataTestSupport
import XCTest
@testable import StrataRender

/// Byte-exact goldens of a few small pictures (PNG; the grid also as SVG and PDF).
final class GoldenTests: XCTestCase {
    func testGoldenPictures() throws {
        for (name, picture) in GoldenPictures.all where name != "signed-grid" {
            let png = try picture.render(format: .png)
            TestPictures.keep(png, "golden-\(name).png")
            Golden.assertMatches(png, golden: PictureGolden.folder + "/\(name).png", hint: PictureGolden.hint)
        }
        Golden.assertMatches(try GoldenPictures.grid().render(format: .svg), golden: PictureGolden.folder + "/grid.svg", hint: PictureGolden.hint)
        Golden.assertMatches(try GoldenPictures.grid().render(format: .pdf), golden: PictureGolden.folder + "/grid.pdf", hint: PictureGolden.hint)
    }

    func testTheFontIsDejaVuSans() throws {
        XCTAssertEqual(try Typesetter().resolvedFamily(), "DejaVu Sans",
                       "cairo did not find DejaVu Sans; install fonts-dejavu-core (Tools/install-deps.sh)")
    }
}

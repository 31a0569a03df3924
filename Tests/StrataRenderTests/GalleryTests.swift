import XCTest
@testable import StrataRender

/// Feature grids across the range of channel counts and map sizes the brief names, each checked
/// to be a well-formed PNG of a sensible size (and kept under `$STRATA_PICTURES_OUT` for viewing).
final class GalleryTests: XCTestCase {
    func testFeatureGridsFromOneToTwoThousandChannels() throws {
        let sizes = [7, 56, 112, 1]
        for count in [1, 3, 16, 64, 512, 2048] {
            for side in sizes {
                if count == 2048 && side == 112 { continue }  // covered by testLargestGrid
                let maps = TestPictures.activations(count: count, height: side, width: side, seed: UInt64(count * 1000 + side))
                let grid = FeatureGrid(
                    title: "block\(count)_conv (Conv) · 1×\(side)×\(side)×\(count)",
                    subtitle: "\(count) channels · per-channel scale", tiles: .maps(maps))
                let png = try grid.render(format: .png)
                TestPictures.keep(png, "grid-\(count)-\(side).png")
                let size = try XCTUnwrap(TestPictures.pngSize(png))
                XCTAssertGreaterThanOrEqual(size.width, 200, "\(count) × \(side)")
                XCTAssertLessThanOrEqual(size.width, 6000, "\(count) × \(side)")
                XCTAssertLessThanOrEqual(size.height, 6000, "\(count) × \(side)")
            }
        }
    }
}

import StrataTestSupport
import XCTest
@testable import StrataRender

/// Feature grids across the range of channel counts and map sizes the brief names, each checked
/// to be a well-formed PNG of a sensible size (and kept under `$STRATA_PICTURES_OUT` for viewing).
final class GalleryTests: XCTestCase {
    func testFeatureGridsFromOneToTwoThousandChannels() throws {
        let sizes = [7, 56, 112, 1]
        for count in [1, 3, 16, 64, 512, 2048] {
            for side in sizes {
                if count == 2048 && side == 112 { continue }  // OddInputTests.testTwoThousandTilesOfEveryKind
                // Up to 64 distinct maps, repeated: drawing is what is tested, not the data.
                let distinct = TestPictures.activations(count: min(count, 64), height: side, width: side, seed: UInt64(count * 1000 + side))
                let maps = (0..<count).map { distinct[$0 % distinct.count] }
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

extension GalleryTests {
    func testOtherPictureKinds() throws {
        var g = SeededGenerator(seed: 7)
        // Mean map of a layer.
        let mean = TestPictures.activations(count: 1, height: 56, width: 56, seed: 3)[0]
        try keepPNG(MapPicture(title: "conv2 (Conv) · mean over 64 channels", subtitle: "1×56×56×64", map: mean, valueLabel: "mean activation"), "map-56.png")
        // Heatmaps: time × channel, and a Dense kernel input × output, diverging.
        let seq = try FloatMap(height: 50, width: 64, values: (0..<3200).map { i in sin(Float(i % 64) / 5) * cos(Float(i / 64) / 7) })
        try keepPNG(Heatmap(title: "lstm (LSTM) · output", subtitle: "50 time steps × 64 units", matrix: seq, rowLabel: "time step", columnLabel: "unit",
                            colorMap: .rdBuR, scale: .symmetric()), "heatmap-seq.png")
        let kernel = try FloatMap(height: 784, width: 10, values: (0..<7840).map { _ in (g.unitFloat() - 0.5) * 0.2 })
        try keepPNG(Heatmap(title: "dense (Dense) · kernel", subtitle: "784 inputs × 10 outputs", matrix: kernel, rowLabel: "input", columnLabel: "output",
                            colorMap: .coolwarm, scale: .symmetric(), valueLabel: "weight"), "heatmap-kernel.png")
        // Overlay on a synthetic photo-like image.
        var pixels = [UInt8]()
        for y in 0..<224 { for x in 0..<224 { pixels += [UInt8((x + y) / 2), UInt8(255 - y), UInt8(x)] } }
        let base = try RasterImage(width: 224, height: 224, channels: 3, pixels: pixels)
        let cam = TestPictures.activations(count: 1, height: 7, width: 7, seed: 9)[0]
        try keepPNG(OverlayPicture(title: "block5_conv3 (Conv) · mean activation over the input", subtitle: "7×7 map on a 224×224 image", base: base, map: cam), "overlay.png")
        // Bars.
        let ten = (0..<10).map { _ in g.unitFloat() * 2 - 0.3 }
        try keepPNG(BarChart(title: "predictions (Dense) · 10 units", values: ten, highlightTop: 3), "bars-10.png")
        let many = (0..<4096).map { i in max(0, g.unitFloat() - 0.7) * (i % 512 == 0 ? 6 : 1) }
        try keepPNG(BarChart(title: "fc1 (Dense) · 4096 units", values: many, highlightTop: 5), "bars-4096.png")
        // Histograms.
        var counts = [Double](repeating: 0, count: 60)
        for _ in 0..<20000 { let v = (g.unitFloat() + g.unitFloat() + g.unitFloat() - 1.5) * 2; counts[min(59, max(0, Int((v + 3) * 10)))] += 1 }
        let edges = (0...60).map { Double($0) / 10 - 3 }
        let summary = Histogram.Summary(count: 20000, mean: 0.0021, std: 1.0003, min: -2.997, max: 2.994)
        try keepPNG(Histogram(title: "conv1 (Conv) · activation values", edges: edges, counts: counts, summary: summary), "hist.png")
        try keepPNG(Histogram(title: "conv1 (Conv) · activation values", edges: edges, counts: counts, logarithmic: true, summary: summary), "hist-log.png")
        // First-layer filters as RGB tiles, and signed maps on a diverging scale.
        let planes = TestPictures.signed(count: 64 * 3, height: 7, width: 7, seed: 5)
        let rgb = try (0..<64).map { try FeatureGrid.RGBTile(red: planes[3 * $0], green: planes[3 * $0 + 1], blue: planes[3 * $0 + 2]) }
        try keepPNG(FeatureGrid(title: "conv1 (Conv) · 64 filters 7×7×3", tiles: .rgb(rgb)), "filters-rgb.png")
        try keepPNG(FeatureGrid(title: "conv1 (Conv) · 64 filters, input channel 0", tiles: .maps(Array(planes.prefix(64))), colorMap: .rdBuR, scale: .symmetric(), valueLabel: "weight"), "filters-signed.png")
    }

    private func keepPNG(_ picture: some Picture, _ name: String) throws {
        let png = try picture.render(format: .png)
        TestPictures.keep(png, name)
        XCTAssertNotNil(TestPictures.pngSize(png), name)
    }
}

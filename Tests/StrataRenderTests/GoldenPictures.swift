import XCTest
@testable import StrataRender

/// The small pictures the golden, determinism and format tests draw: one of each kind, from
/// seeded data.
enum GoldenPictures {
    static func grid() -> FeatureGrid {
        FeatureGrid(
            title: "conv1 (Conv) · 1×5×5×6", subtitle: "values 0 … 3.4",
            tiles: .maps(TestPictures.activations(count: 6, height: 5, width: 5, seed: 11)))
    }

    static func signedGrid() -> FeatureGrid {
        FeatureGrid(
            title: "conv1 (Conv) · weights", tiles: .maps(TestPictures.signed(count: 4, height: 3, width: 3, seed: 12)),
            colorMap: .rdBuR, scale: .symmetric(), valueLabel: "weight")
    }

    static func map() -> MapPicture {
        var values = TestPictures.activations(count: 1, height: 12, width: 16, seed: 13)[0].values
        values[5] = .nan
        return MapPicture(title: "block1 (Conv) · mean over channels", subtitle: "12×16", map: try! FloatMap(height: 12, width: 16, values: values), valueLabel: "mean activation")
    }

    static func heatmap() -> Heatmap {
        let values: [Float] = (0..<96).map { (i: Int) -> Float in
            let column = Float(i % 12 - 6), row = Float(i / 12)
            return column * 0.1 + row * 0.05
        }
        return Heatmap(title: "gru (GRU) · output", matrix: try! FloatMap(height: 8, width: 12, values: values),
                       rowLabel: "time step", columnLabel: "unit", colorMap: .rdBuR, scale: .symmetric())
    }

    static func overlay() -> OverlayPicture {
        var pixels: [UInt8] = []
        for y in 0..<24 { for x in 0..<32 { pixels += [UInt8(x * 8), UInt8(y * 10), UInt8(128)] } }
        let base = try! RasterImage(width: 32, height: 24, channels: 3, pixels: pixels)
        let map = try! FloatMap(height: 3, width: 4, values: [0, 1, 2, 1, 1, 3, 5, 2, 0, 1, 2, 0.5])
        return OverlayPicture(title: "conv3 (Conv) · mean activation", base: base, map: map)
    }

    static func histogram() -> Histogram {
        let counts: [Double] = [1, 4, 11, 30, 70, 120, 180, 210, 190, 130, 80, 36, 15, 5, 2, 0, 0, 1]
        let edges = (0...counts.count).map { -2.25 + Double($0) * 0.25 }
        return Histogram(title: "dense (Dense) · activation values", edges: edges, counts: counts,
                         summary: .init(count: 1085, mean: -0.21, std: 0.62, min: -2.21, max: 2.19))
    }

    static func bars() -> BarChart {
        BarChart(title: "logits (Dense) · 12 units", values: [0.3, 1.2, -0.4, 2.5, 0.9, 0, 1.7, -1.1, 0.2, 2.2, 0.6, 1.1], highlightTop: 3)
    }

    /// Every kind, by name.
    static var all: [(String, any Picture)] {
        [("grid", grid()), ("signed-grid", signedGrid()), ("map", map()), ("heatmap", heatmap()),
         ("overlay", overlay()), ("histogram", histogram()), ("bars", bars())]
    }
}

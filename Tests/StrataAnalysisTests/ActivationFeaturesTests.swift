import StrataCore
import XCTest

@testable import StrataAnalysis

/// Feature vectors for embeddings: flatten keeps memory order; mean and max pool the spatial
/// axes per channel (channel axis by the layout), checked against index arithmetic.
final class ActivationFeaturesTests: XCTestCase {
    private func values(_ count: Int) -> [Float] {
        (0 ..< count).map { Float(($0 * 37) % 23) - 11 + Float($0) * 0.001 }
    }

    func testFlattenKeepsEveryValueInOrder() throws {
        let v = values(2 * 3 * 4 * 5)
        var rows: [Float] = [1]
        let count = try ActivationFeatures.append(Tensor(v, shape: [2, 3, 4, 5]), layout: .nhwc, pooling: .flatten, to: &rows)
        XCTAssertEqual(count, 2)
        XCTAssertEqual(rows, [1] + v)
        XCTAssertEqual(try ActivationFeatures.width(shape: [2, 3, 4, 5], layout: .nhwc, pooling: .flatten), 60)
    }

    func testMeanAndMaxPoolTheSpatialAxesPerChannel() throws {
        let (n, h, w, c) = (3, 4, 5, 6)
        let v = values(n * h * w * c)
        for layout in [ActivationLayout.nhwc, .nchw] {
            let shape = layout == .nhwc ? [n, h, w, c] : [n, c, h, w]
            func at(_ b: Int, _ y: Int, _ x: Int, _ ch: Int) -> Float {
                layout == .nhwc ? v[((b * h + y) * w + x) * c + ch] : v[((b * c + ch) * h + y) * w + x]
            }
            var means: [Float] = [], maxima: [Float] = []
            XCTAssertEqual(try ActivationFeatures.append(Tensor(v, shape: shape), layout: layout, pooling: .mean, to: &means), n)
            XCTAssertEqual(try ActivationFeatures.append(Tensor(v, shape: shape), layout: layout, pooling: .max, to: &maxima), n)
            XCTAssertEqual(means.count, n * c)
            for b in 0 ..< n {
                for ch in 0 ..< c {
                    var sum = 0.0, largest = -Float.infinity
                    for y in 0 ..< h {
                        for x in 0 ..< w {
                            sum += Double(at(b, y, x, ch))
                            largest = max(largest, at(b, y, x, ch))
                        }
                    }
                    XCTAssertEqual(means[b * c + ch], Float(sum / Double(h * w)), "\(layout) mean \(b) \(ch)")
                    XCTAssertEqual(maxima[b * c + ch], largest, "\(layout) max \(b) \(ch)")
                }
            }
        }
    }

    func testDenseActivationsKeepTheirUnitsAndScalarsAreRefused() throws {
        var rows: [Float] = []
        try ActivationFeatures.append(Tensor([Float]([1, 2, 3, 4, 5, 6]), shape: [2, 3]), layout: .nhwc, pooling: .max, to: &rows)
        XCTAssertEqual(rows, [1, 2, 3, 4, 5, 6])
        XCTAssertThrowsError(try ActivationFeatures.width(shape: [], layout: .nhwc, pooling: .mean))
        XCTAssertThrowsError(try ActivationFeatures.width(shape: [4, 0, 3], layout: .nhwc, pooling: .flatten))
    }
}

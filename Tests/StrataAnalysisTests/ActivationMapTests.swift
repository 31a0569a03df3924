import StrataCore
import XCTest

@testable import StrataAnalysis

/// Channel mean and max maps against numpy (`<case>.mean.npy`, `.mean64.npy`, `.max.npy`), channel
/// slices against index arithmetic, and the axis rule of `ActivationAxes`.
final class ActivationMapTests: XCTestCase {
    /// The cases with spatial axes, and how many positions one image has.
    private func spatialCases() throws -> [(name: String, tensor: Tensor, layout: ActivationLayout)] {
        try AnalysisFixtures.cases().compactMap { name, e in
            let t = try AnalysisFixtures.array(name)
            return t.rank >= 3 ? (name, t, AnalysisFixtures.layout(e)) : nil
        }
    }

    private func floats(_ t: Tensor) -> [Float] { (0 ..< t.count).map { Float(t.doubleValue(at: $0)) } }

    /// Mean maps: within one unit in the last place of numpy's float64 mean rounded to float32, and
    /// within 1e-6 of the largest |value| averaged of numpy's own float32 mean.
    func testChannelMeanEqualsNumpy() throws {
        for (name, t, layout) in try spatialCases() {
            let numpy32 = floats(try AnalysisFixtures.array(name + ".mean"))
            let numpy64 = floats(try AnalysisFixtures.array(name + ".mean64"))
            let x = floats(t)
            let batch = t.shape[0], positions = numpy32.count / batch, channels = t.count / numpy32.count
            for b in 0 ..< batch {
                let map = try ActivationMap.channelMean(of: t, image: b, layout: layout)
                XCTAssertEqual(map.values.count, positions, name)
                for p in 0 ..< positions {
                    let ours = map.values[p], wide = numpy64[b * positions + p], narrow = numpy32[b * positions + p]
                    if wide.isNaN || wide.isInfinite {
                        XCTAssertTrue(ours.isNaN && wide.isNaN || ours == wide, "\(name) image \(b) position \(p)")
                        continue
                    }
                    XCTAssertLessThanOrEqual(abs(ours - wide), wide.ulp, "\(name) image \(b) position \(p)")
                    var largest: Float = 0
                    for c in 0 ..< channels {
                        let i = layout == .nhwc ? (b * positions + p) * channels + c : (b * channels + c) * positions + p
                        largest = max(largest, abs(x[i]))
                    }
                    if largest.isFinite {
                        XCTAssertLessThanOrEqual(abs(ours - narrow), 1e-6 * largest, "\(name) image \(b) position \(p)")
                    }
                }
            }
        }
    }

    func testChannelMaxEqualsNumpyExactly() throws {
        for (name, t, layout) in try spatialCases() {
            let numpy = floats(try AnalysisFixtures.array(name + ".max"))
            let positions = numpy.count / t.shape[0]
            for b in 0 ..< t.shape[0] {
                let map = try ActivationMap.channelMax(of: t, image: b, layout: layout)
                for p in 0 ..< positions {
                    let expected = numpy[b * positions + p]
                    XCTAssertTrue(map.values[p] == expected || map.values[p].isNaN && expected.isNaN,
                                  "\(name) image \(b) position \(p): \(map.values[p]) vs \(expected)")
                }
            }
        }
    }

    func testChannelSlicesEqualIndexArithmetic() throws {
        for (name, t, layout) in try spatialCases() {
            let x = floats(t)
            let axes = ActivationAxes(shape: t.shape, layout: layout)
            let channels = axes.channels, positions = t.count / t.shape[0] / channels
            for b in 0 ..< t.shape[0] {
                for k in [0, channels / 2, channels - 1] {
                    let map = try ActivationMap.channel(k, of: t, image: b, layout: layout)
                    let expected = (0 ..< positions).map { p in
                        x[layout == .nhwc ? (b * positions + p) * channels + k : (b * channels + k) * positions + p]
                    }
                    XCTAssertEqual(map.values.map(\.bitPattern), expected.map(\.bitPattern), "\(name) image \(b) channel \(k)")
                }
            }
        }
    }

    func testMapGeometry() throws {
        let volume = try AnalysisFixtures.array("volume_nchw")   // [2, 3, 4, 5, 6]
        let map = try ActivationMap.channelMean(of: volume, image: 1, layout: .nchw)
        XCTAssertEqual([map.depth, map.height, map.width], [4, 5, 6])
        XCTAssertEqual(map.slice(2).values, Array(map.values[60 ..< 90]))
        XCTAssertEqual(map[4, 5, slice: 3], map.values[3 * 30 + 4 * 6 + 5])
        let sequence = try AnalysisFixtures.array("sequence_nhwc")   // [2, 9, 5]
        let row = try ActivationMap.channel(4, of: sequence, image: 0, layout: .nhwc)
        XCTAssertEqual([row.depth, row.height, row.width], [1, 1, 9])
    }

    func testMapErrors() throws {
        let vector = try AnalysisFixtures.array("tanh_vector")
        XCTAssertThrowsError(try ActivationMap.channelMean(of: vector, image: 0, layout: .nchw)) { error in
            XCTAssertEqual(String(describing: error), "an activation of shape [16, 10] has no spatial axes to draw as a map")
        }
        let t = try AnalysisFixtures.array("relu_nhwc")
        XCTAssertThrowsError(try ActivationMap.channelMax(of: t, image: 4, layout: .nhwc)) { error in
            XCTAssertEqual(String(describing: error), "image 4 is out of range: the batch holds 4")
        }
        XCTAssertThrowsError(try ActivationMap.channel(16, of: t, image: 0, layout: .nhwc)) { error in
            XCTAssertEqual(String(describing: error), "channel 16 is out of range: the activation has 16 channels")
        }
        XCTAssertThrowsError(try ActivationMap.channel(0, of: Tensor(dtype: .float32, shape: [1, 0, 4, 4]), image: 0, layout: .nchw))
    }

    func testAxesRule() {
        func kind(_ shape: [Int], _ layout: ActivationLayout) -> ActivationAxes.Kind { ActivationAxes(shape: shape, layout: layout).kind }
        XCTAssertEqual(kind([1, 224, 224, 3], .nhwc), .spatial2D(height: 224, width: 224))
        XCTAssertEqual(kind([1, 3, 224, 200], .nchw), .spatial2D(height: 224, width: 200))
        XCTAssertEqual(kind([2, 8, 16, 16, 4], .nhwc), .spatial3D(depth: 8, height: 16, width: 16))
        XCTAssertEqual(kind([2, 4, 8, 16, 12], .nchw), .spatial3D(depth: 8, height: 16, width: 12))
        XCTAssertEqual(kind([2, 30, 64], .nhwc), .sequence(length: 30, channels: 64))
        XCTAssertEqual(kind([2, 64, 30], .nchw), .sequence(length: 30, channels: 64))
        XCTAssertEqual(kind([5, 1000], .nhwc), .vector(units: 1000))
        XCTAssertEqual(kind([5, 1000], .nchw), .vector(units: 1000))
        XCTAssertEqual(kind([5], .nchw), .other)
        XCTAssertEqual(kind([], .nhwc), .other)
        XCTAssertEqual(kind([1, 0, 7, 7], .nchw), .other)
        XCTAssertEqual(kind([1, 2, 3, 4, 5, 6], .nchw), .other)
        let axes = ActivationAxes(shape: [2, 7, 9, 5], layout: .nhwc)
        XCTAssertEqual(axes.channelAxis, 3)
        XCTAssertEqual(axes.spatialAxes, [1, 2])
        XCTAssertEqual(ActivationAxes(shape: [2, 5, 7, 9], layout: .nchw).spatialAxes, [2, 3])
        XCTAssertNil(ActivationAxes(shape: [9], layout: .nchw).channelAxis)
    }
}

import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataEngine

/// BatchNormalization, InstanceNormalization, LayerNormalization, LpNormalization and LRN against
/// naive loops over seeded random data.
final class NormalizationKernelTests: XCTestCase {
    typealias Support = ReductionTestSupport

    func testBatchNormalizationMatchesNaiveLoop() throws {
        var rng = SeededGenerator(seed: 21)
        let shape = [2, 3, 4, 5]
        let x = Support.random(shape, &rng)
        let scale = Support.random([3], &rng), bias = Support.random([3], &rng)
        let mean = Support.random([3], &rng), variance = Support.random([3], in: 0.1...2, &rng)
        let epsilon: Float = 1e-3
        let want = (0..<x.count).map { i -> Double in
            let c = Support.coordinates(i, shape)[1]
            let v = Double(x.floats()[i])
            return (v - Double(mean.floats()[c])) / (Double(variance.floats()[c]) + Double(epsilon)).squareRoot()
                * Double(scale.floats()[c]) + Double(bias.floats()[c])
        }
        for opset in [6, 9, 15] {
            let y = try Support.run("BatchNormalization", [x, scale, bias, mean, variance],
                                    attributes: ["epsilon": .float(epsilon), "momentum": .float(0.9)], opset: opset)[0]
            assertClose(y.floats(), want, "BatchNormalization-\(opset)")
        }
        // float64 computes in double precision.
        let x64 = try NumericStaging.convert(x, to: .float64)
        let y64 = try Support.run("BatchNormalization", [x64, scale, bias, mean, variance], attributes: ["epsilon": .float(epsilon)])[0]
        XCTAssertEqual(y64.dtype, .float64)
        assertClose(y64.floats(), want, "BatchNormalization float64")
    }

    func testBatchNormalizationPerFeatureAndTrainingMode() throws {
        var rng = SeededGenerator(seed: 22)
        let x = Support.random([2, 3, 2], &rng)
        let parameters = (0..<4).map { i in Support.random([3, 2], in: i == 3 ? 0.5...1 : -1...1, &rng) }
        let y = try Support.run("BatchNormalization", [x] + parameters, attributes: ["spatial": .int(0)], opset: 7)[0]
        let p = parameters.map { $0.floats().map { Double($0) } }
        let want = (0..<x.count).map { i -> Double in
            let f = i % 6
            return (Double(x.floats()[i]) - p[2][f]) / (p[3][f] + 1e-5).squareRoot() * p[0][f] + p[1][f]
        }
        assertClose(y.floats(), want, "spatial 0")

        let channel = (0..<4).map { _ in Support.random([3], in: 0.5...1, &rng) }
        XCTAssertThrowsError(try Support.run("BatchNormalization", [x] + channel, attributes: ["training_mode": .int(1)], opset: 15)) {
            XCTAssertEqual(($0 as? StrataError)?.kind, .unsupported)
        }
        XCTAssertThrowsError(try Support.run("BatchNormalization", [x] + channel, opset: 9, outputs: 5)) {
            XCTAssertEqual(($0 as? StrataError)?.kind, .unsupported)
        }
        XCTAssertThrowsError(try Support.run("BatchNormalization", [x] + channel.prefix(3) + [Support.random([4], &rng)], opset: 15))
    }

    func testInstanceNormalizationMatchesNaiveLoop() throws {
        var rng = SeededGenerator(seed: 23)
        let shape = [2, 3, 5, 4]
        let x = Support.random(shape, &rng)
        let scale = Support.random([3], &rng), bias = Support.random([3], &rng)
        let values = x.floats().map { Double($0) }
        let plane = 20
        let want = (0..<x.count).map { i -> Double in
            let p = i / plane, c = p % 3
            let slice = values[(p * plane)..<((p + 1) * plane)]
            let m = slice.reduce(0, +) / Double(plane)
            let v = slice.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(plane)
            return (values[i] - m) / (v + 1e-5).squareRoot() * Double(scale.floats()[c]) + Double(bias.floats()[c])
        }
        let y = try Support.run("InstanceNormalization", [x, scale, bias])[0]
        assertClose(y.floats(), want, "InstanceNormalization")
    }

    func testLayerNormalizationMatchesNaiveLoop() throws {
        var rng = SeededGenerator(seed: 24)
        let shape = [2, 3, 4]
        let x = Support.random(shape, &rng)
        let values = x.floats().map { Double($0) }
        for axis in [-1, 1, 0] {
            let a = axis < 0 ? axis + 3 : axis
            let width = shape[a...].reduce(1, *)
            // Scale covers only the last axis and broadcasts over the others; B is full.
            let scale = Support.random([4], &rng)
            let bias = Support.random(Array(shape[a...]), &rng)
            for withBias in [false, true] {
                var means: [Double] = [], inverse: [Double] = []
                var want: [Double] = []
                for row in 0..<(x.count / width) {
                    let slice = values[(row * width)..<((row + 1) * width)]
                    let m = slice.reduce(0, +) / Double(width)
                    let inv = 1 / (slice.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(width) + 1e-3).squareRoot()
                    means.append(m)
                    inverse.append(inv)
                    for k in 0..<width {
                        let b = withBias ? Double(bias.floats()[k]) : 0
                        want.append((slice[row * width + k] - m) * inv * Double(scale.floats()[k % 4]) + b)
                    }
                }
                let out = try Support.run("LayerNormalization", withBias ? [x, scale, bias] : [x, scale],
                                          attributes: ["axis": .int(axis), "epsilon": .float(1e-3)], opset: 17, outputs: 3)
                assertClose(out[0].floats(), want, "LayerNormalization axis \(axis)")
                let statShape = Array(shape[..<a]) + Array(repeating: 1, count: 3 - a)
                XCTAssertEqual(out[1].shape, statShape)
                XCTAssertEqual(out[2].dtype, .float32)
                assertClose(out[1].floats(), means, "Mean axis \(axis)")
                assertClose(out[2].floats(), inverse, "InvStdDev axis \(axis)")
            }
        }
        // A scale that varies across rows does not broadcast over the normalised axes.
        XCTAssertThrowsError(try Support.run("LayerNormalization", [x, Support.random([2, 1, 4], &rng)], opset: 17))
    }

    func testLpNormalizationMatchesNaiveLoop() throws {
        var rng = SeededGenerator(seed: 25)
        let shape = [3, 4, 2]
        var values = Support.random(shape, &rng).floats()
        // One all-zero line along axis 1 must stay zero.
        for r in 0..<4 { values[(1 * 4 + r) * 2 + 1] = 0 }
        let x = Tensor(values, shape: shape)
        for p in [1, 2] {
            for axis in [0, 1, -1] {
                let a = axis < 0 ? axis + 3 : axis
                let want = (0..<x.count).map { i -> Double in
                    var c = Support.coordinates(i, shape)
                    var norm = 0.0
                    for r in 0..<shape[a] {
                        c[a] = r
                        let v = Double(values[Support.flat(c, shape)])
                        norm += p == 1 ? abs(v) : v * v
                    }
                    if p == 2 { norm = norm.squareRoot() }
                    return norm == 0 ? 0 : Double(values[i]) / norm
                }
                let y = try Support.run("LpNormalization", [x], attributes: ["p": .int(p), "axis": .int(axis)])[0]
                assertClose(y.floats(), want, "LpNormalization p \(p) axis \(axis)")
            }
        }
        XCTAssertThrowsError(try Support.run("LpNormalization", [x], attributes: ["p": .int(3)]))
    }

    func testLRNMatchesNaiveLoop() throws {
        var rng = SeededGenerator(seed: 26)
        let shape = [2, 7, 3, 2]
        let x = Support.random(shape, &rng)
        let values = x.floats().map { Double($0) }
        for size in [1, 3, 4] {
            let (alpha, beta, bias) = (0.002, 0.6, 1.5)
            let want = (0..<x.count).map { i -> Double in
                var c = Support.coordinates(i, shape)
                let channel = c[1]
                var sum = 0.0
                for k in max(0, channel - (size - 1) / 2)...min(6, channel + size / 2) {
                    c[1] = k
                    let v = values[Support.flat(c, shape)]
                    sum += v * v
                }
                return values[i] / Foundation.pow(bias + alpha / Double(size) * sum, beta)
            }
            let y = try Support.run("LRN", [x], attributes: [
                "size": .int(size), "alpha": .float(Float(alpha)), "beta": .float(Float(beta)), "bias": .float(Float(bias)),
            ])[0]
            assertClose(y.floats(), want, "LRN size \(size)")
        }
    }

    func testGroupNormalizationMatchesNaiveLoop() throws {
        var rng = SeededGenerator(seed: 27)
        let shape = [2, 6, 3, 2]
        let x = Support.random(shape, &rng)
        let values = x.floats().map { Double($0) }
        for (groups, perGroupParameters) in [(3, false), (2, true), (6, false), (1, false)] {
            let count = perGroupParameters ? groups : 6
            let scale = Support.random([count], &rng), bias = Support.random([count], &rng)
            let block = 6 / groups * 6
            let want = (0..<x.count).map { i -> Double in
                let b = i / block, c = (i / 6) % 6
                let slice = values[(b * block)..<((b + 1) * block)]
                let m = slice.reduce(0, +) / Double(block)
                let v = slice.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(block)
                let p = perGroupParameters ? c / (6 / groups) : c
                return (values[i] - m) / (v + 1e-5).squareRoot() * Double(scale.floats()[p]) + Double(bias.floats()[p])
            }
            let y = try Support.run("GroupNormalization", [x, scale, bias], attributes: ["num_groups": .int(groups)], opset: 21)[0]
            assertClose(y.floats(), want, "GroupNormalization \(groups) groups")
        }
        XCTAssertThrowsError(try Support.run("GroupNormalization", [x, Support.random([6], &rng), Support.random([6], &rng)],
                                             attributes: ["num_groups": .int(4)], opset: 21))
    }

    func testRMSNormalizationMatchesNaiveLoop() throws {
        var rng = SeededGenerator(seed: 28)
        let shape = [3, 2, 5]
        let x = Support.random(shape, &rng)
        let values = x.floats().map { Double($0) }
        for axis in [-1, 1] {
            let a = axis < 0 ? axis + 3 : axis
            let width = shape[a...].reduce(1, *)
            let scale = Support.random([5], &rng)
            let want = (0..<x.count).map { i -> Double in
                let row = i / width
                let slice = values[(row * width)..<((row + 1) * width)]
                let rms = (slice.reduce(0) { $0 + $1 * $1 } / Double(width) + 1e-4).squareRoot()
                return values[i] / rms * Double(scale.floats()[i % 5])
            }
            let y = try Support.run("RMSNormalization", [x, scale], attributes: ["axis": .int(axis), "epsilon": .float(1e-4)], opset: 23)[0]
            assertClose(y.floats(), want, "RMSNormalization axis \(axis)")
        }
    }
}

import Foundation
import StrataTestSupport
import XCTest
import StrataCore
@testable import StrataEngine

/// Seeded-random checks of the losses, MeanVarianceNormalization and the window functions against
/// naive loops written from the ONNX definitions.
final class LossKernelTests: XCTestCase {
    func testLossesMatchNaiveLoops() throws {
        var rng = SeededGenerator(seed: 1421)
        let (n, c, d) = (3, 5, 4)
        let x = rng.tensor([n, c, d])
        let targets = (0..<(n * d)).map { _ in Int64(rng.int(0...c - 1)) }
        let target = Tensor(targets, shape: [n, d])
        let weights = (0..<c).map { _ in abs(rng.float()) + 0.1 }
        let xs = x.floats().map { Double($0) }
        let ignore = Int(targets[1])
        for softmax in [false, true] {
            // Log-probabilities (SCE) or the input itself (NLL), by (n, class, position).
            func p(_ i: Int, _ k: Int, _ j: Int) -> Double {
                let value = xs[(i * c + k) * d + j]
                guard softmax else { return value }
                let column = (0..<c).map { xs[(i * c + $0) * d + j] }
                return value - Foundation.log(column.map { Foundation.exp($0) }.reduce(0, +))
            }
            var losses: [Double] = [], weightSum = 0.0
            for i in 0..<n {
                for j in 0..<d {
                    let t = Int(targets[i * d + j])
                    if t == ignore { losses.append(0); continue }
                    losses.append(-Double(weights[t]) * p(i, t, j))
                    weightSum += Double(weights[t])
                }
            }
            let op = softmax ? "SoftmaxCrossEntropyLoss" : "NegativeLogLikelihoodLoss"
            let inputs: [Tensor?] = [x, target, Tensor(weights, shape: [c])]
            let none = try runLinearKernel(op, inputs: inputs, attributes: ["reduction": .string("none"), "ignore_index": .int(ignore)])[0]
            assertClose(none, losses.map(Float.init), shape: [n, d], rtol: 1e-5, atol: 1e-6, op)
            let mean = try runLinearKernel(op, inputs: inputs, attributes: ["ignore_index": .int(ignore)])[0]
            assertClose(mean, [Float(losses.reduce(0, +) / weightSum)], shape: [], rtol: 1e-5, atol: 1e-6, op)
            let sum = try runLinearKernel(op, inputs: [x, target], attributes: ["reduction": .string("sum")])[0]
            let unweighted = (0..<(n * d)).map { -p($0 / d, Int(targets[$0]), $0 % d) }.reduce(0, +)
            assertClose(sum, [Float(unweighted)], shape: [], rtol: 1e-5, atol: 1e-6, op)
        }
        let withLogProb = try runLinearKernel("SoftmaxCrossEntropyLoss", inputs: [x, target], outputs: 2)
        XCTAssertEqual(withLogProb.count, 2)
        XCTAssertEqual(withLogProb[1].shape, [n, c, d])
        XCTAssertThrowsError(try runLinearKernel("NegativeLogLikelihoodLoss", inputs: [x, Tensor([Int64](repeating: 9, count: n * d), shape: [n, d])]))
    }

    func testMeanVarianceNormalizationMatchesNaiveLoop() throws {
        var rng = SeededGenerator(seed: 1422)
        let x = rng.tensor([2, 3, 2, 2])
        let xs = x.floats().map { Double($0) }
        let y = try runLinearKernel("MeanVarianceNormalization", inputs: [x])[0]
        // Default axes [0, 2, 3]: one group per channel.
        var want = [Float](repeating: 0, count: xs.count)
        for channel in 0..<3 {
            let members: [Int] = xs.indices.filter { ($0 / 4) % 3 == channel }
            var sum = 0.0, squares = 0.0
            for i in members {
                sum += xs[i]
                squares += xs[i] * xs[i]
            }
            let mean = sum / Double(members.count)
            let deviation = (squares / Double(members.count) - mean * mean).squareRoot() + 1e-9
            for i in members { want[i] = Float((xs[i] - mean) / deviation) }
        }
        assertClose(y, want, shape: [2, 3, 2, 2], rtol: 1e-5, atol: 1e-6)
    }

    func testWindowFunctions() throws {
        let size = Tensor.scalar(Int64(7))
        for periodic in [0, 1] {
            let denominator = Double(periodic == 1 ? 7 : 6)
            let phases = (0..<7).map { Double($0) * Double.pi / denominator }
            let cases: [(String, (Double) -> Double)] = [
                ("HannWindow", { Foundation.sin($0) * Foundation.sin($0) }),
                ("HammingWindow", { 25.0 / 46.0 - 21.0 / 46.0 * Foundation.cos(2 * $0) }),
                ("BlackmanWindow", { 0.42 - 0.5 * Foundation.cos(2 * $0) + 0.08 * Foundation.cos(4 * $0) }),
            ]
            for (op, f) in cases {
                let y = try runLinearKernel(op, inputs: [size], attributes: ["periodic": .int(periodic)])[0]
                assertClose(y, phases.map { Float(f($0)) }, shape: [7], rtol: 1e-6, atol: 1e-7, op)
            }
        }
        let doubles = try runLinearKernel("HannWindow", inputs: [size], attributes: ["output_datatype": .int(11)])[0]
        XCTAssertEqual(doubles.dtype, .float64)
    }
}

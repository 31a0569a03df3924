import Foundation
import StrataCore
import StrataEngine
import StrataExport
import XCTest
@testable import StrataCommands

/// A Keras convolution followed by BatchNormalization: the convolution's captured output is a value
/// the score depends on, so its gradient is the normalization's gradient times γ/√(var + ε) per
/// channel (the values themselves are compared with Keras by `KerasFixtureTests`, the gradients with
/// tf.GradientTape by Tools/test-grad.py).
final class KerasBatchNormalizationGradientTests: XCTestCase {
    func testConvolutionBeforeBatchNormalizationGetsTheChainRuleGradient() throws {
        for name in ["cnn.k3.keras", "cnn.k2.h5"] {
            let path = KerasFixtureTests.fixtures + "/" + name
            let model = try ModelLoader.load(path)
            func tensor(_ layer: String) throws -> String {
                try XCTUnwrap(model.graph.captureTable.first { $0.layer == layer }?.tensor, "\(name): layer \(layer)")
            }
            let (conv, bn) = (try tensor("conv2"), try tensor("bn2"))
            let x = try NPYFile.read(path + ".reference/inputs/image.npy")
            let engine = try Engine(model: model, options: EngineOptions(threads: 2))
            let run = try engine.gradients(inputs: [model.graph.inputs[0].name: x], request: GradientRequest(withRespectTo: [conv, bn]))
            let (c, z) = (try XCTUnwrap(run.activations[conv]).floats(), try XCTUnwrap(run.activations[bn]).floats())
            let (dc, dz) = (try XCTUnwrap(run.gradients[conv]).floats(), try XCTUnwrap(run.gradients[bn]).floats())
            let channels = try XCTUnwrap(run.activations[conv]).shape.last!
            XCTAssertEqual(dc.count, dz.count)
            XCTAssertTrue(dz.contains { $0 != 0 }, name)
            // bn2 = a·conv2 + b per channel (channels last): a is the least-squares slope of the pairs.
            let scale = dz.map(abs).max()!
            for k in 0 ..< channels {
                let indices = Array(stride(from: k, to: c.count, by: channels))
                let mc = indices.reduce(0.0) { $0 + Double(c[$1]) } / Double(indices.count)
                let mz = indices.reduce(0.0) { $0 + Double(z[$1]) } / Double(indices.count)
                let covariance = indices.reduce(0.0) { $0 + (Double(c[$1]) - mc) * (Double(z[$1]) - mz) }
                let variance = indices.reduce(0.0) { $0 + (Double(c[$1]) - mc) * (Double(c[$1]) - mc) }
                let a = covariance / variance
                for i in indices {
                    XCTAssertEqual(Double(dc[i]), a * Double(dz[i]), accuracy: 1e-4 * Double(scale) + 1e-3 * abs(a * Double(dz[i])),
                                   "\(name): d score / d conv2 at \(i)")
                }
            }
        }
    }
}

import Foundation
import StrataAnalysis
import StrataCore
import StrataEngine
import StrataTestSupport
import XCTest

@testable import StrataCommands

/// `StatisticsCollector` takes a clamp's statistics from the pass over its input when both are
/// covered: a ReLU6 written as `Min(Relu(x), 6)` (as the Keras importer writes it), also when both
/// layers are captured as the channels-first values their channels-last activations are Transposes
/// of. The derived row must equal the row collected alone.
final class StatisticsCollectorTests: XCTestCase {
    /// `x` (channels-first when `keras`, after a Transpose from the channels-last input) → an affine
    /// `Mul → Add` ("bn") → `Min(Relu(·), six)` ("relu6"); with `keras`, each layer's activation is
    /// the channels-last Transpose of its value, as the Keras importer gives it.
    private func model(keras: Bool, six: Float = 6) -> (Model, bn: LayerOutput, relu6: LayerOutput) {
        let toLast = ["perm": Attribute.ints([0, 2, 3, 1])]
        var nodes = [
            Node(name: "bn/Mul", opType: "Mul", inputs: [keras ? "x_nchw" : "x", "scale"], outputs: ["bn/Mul"]),
            Node(name: "bn/Add", opType: "Add", inputs: ["bn/Mul", "shift"], outputs: ["bn/Add"]),
            Node(name: "relu6/Relu", opType: "Relu", inputs: ["bn/Add"], outputs: ["relu6/Relu"]),
            Node(name: "relu6/Min", opType: "Min", inputs: ["relu6/Relu", "six"], outputs: ["relu6/Min"]),
        ]
        if keras {
            nodes.insert(Node(name: "in", opType: "Transpose", inputs: ["x"], outputs: ["x_nchw"],
                              attributes: ["perm": .ints([0, 3, 1, 2])]), at: 0)
            nodes.append(Node(name: "bn/ToNHWC", opType: "Transpose", inputs: ["bn/Add"], outputs: ["bn_nhwc"], attributes: toLast))
            nodes.append(Node(name: "relu6/ToNHWC", opType: "Transpose", inputs: ["relu6/Min"], outputs: ["relu6_nhwc"],
                              attributes: toLast))
        }
        let output = keras ? "relu6_nhwc" : "relu6/Min"
        let graph = Graph(
            name: "relu6", nodes: nodes,
            inputs: [ValueInfo(name: "x", type: ValueType(.float32, keras ? [2, 5, 6, 3] : [2, 3, 5, 6]))],
            outputs: [ValueInfo(name: output, type: ValueType(.float32, nil))],
            initializers: ["scale": Tensor([1.5, -2, 0.75] as [Float], shape: [1, 3, 1, 1]),
                           "shift": Tensor([0.5, 1, -0.25] as [Float], shape: [1, 3, 1, 1]),
                           "six": Tensor([six], shape: [])])
        let model = Model(graph: graph, format: keras ? .kerasH5 : .onnx, path: "", layout: keras ? .nhwc : .nchw)
        return (model, LayerOutput(layer: "bn", op: keras ? "BatchNormalization" : "Add", output: 0, tensor: keras ? "bn_nhwc" : "bn/Add"),
                LayerOutput(layer: "relu6", op: keras ? "ReLU" : "Min", output: 0, tensor: output))
    }

    /// Seeded inputs around ReLU6's bounds, exact bounds and ±0 included.
    private func input(_ shape: [Int], seed: UInt64) -> Tensor {
        var r = StrataTestSupport.SeededGenerator(seed: seed)
        let values: [Float] = (0 ..< shape.reduce(1, *)).map { _ in
            switch r.below(10) {
            case 0: return 0
            case 1: return -0.0
            case 2: return 6
            default: return Float((r.unit() - 0.4) * 12)
            }
        }
        return Tensor(values, shape: shape)
    }

    /// The JSON of each row after two batches, and the collector's derivations.
    private func collect(_ model: Model, _ rows: [LayerOutput], threads: Int) throws -> ([String: String], [Int: Int]) {
        let engine = try Engine(model: model, options: EngineOptions(threads: threads))
        var collector = StatisticsCollector(rows: rows, model: model, engine: engine, threads: threads, channelsFirst: true)
        let shape = model.graph.inputs[0].type.shape!.map { $0.value! }
        for seed in [UInt64(1), 2] {
            try engine.run(inputs: ["x": input(shape, seed: seed)], capture: collector.captureRows) { row, tensor in
                try collector.add(row, tensor)
            }
            collector.count(InputBatch(index: 0, files: [], feeds: ["x": input(shape, seed: seed)], images: [], manifestInputs: []))
        }
        var json: [String: String] = [:]
        for layer in collector.layers { json[layer.output.layer] = layer.json.rendered() }
        return (json, collector.derivations.mapValues(\.target))
    }

    func testAReLU6WrittenAsMinOfReluIsDerivedFromItsInputInBothLayouts() throws {
        for keras in [false, true] {
            let (model, bn, relu6) = model(keras: keras)
            for threads in [1, 3] {
                let (both, pairs) = try collect(model, [bn, relu6], threads: threads)
                XCTAssertEqual(pairs, [0: 1], "keras \(keras): the ReLU6 row is taken from the pass over bn's")
                let (reversed, _) = try collect(model, [relu6, bn], threads: threads)
                let (alone, none) = try collect(model, [relu6], threads: threads)
                XCTAssertTrue(none.isEmpty)
                XCTAssertEqual(both["relu6"], alone["relu6"], "keras \(keras), \(threads) threads")
                XCTAssertEqual(reversed["relu6"], alone["relu6"], "keras \(keras), \(threads) threads, rows reversed")
                let (bnAlone, _) = try collect(model, [bn], threads: threads)
                XCTAssertEqual(both["bn"], bnAlone["bn"], "keras \(keras): the source row itself")
            }
        }
    }

    func testBoundsAMinOfReluCannotStandForAreNotDerived() throws {
        for six: Float in [0, -1] {
            let (model, bn, relu6) = model(keras: true, six: six)
            let (both, pairs) = try collect(model, [bn, relu6], threads: 2)
            XCTAssertTrue(pairs.isEmpty, "Min(Relu(x), \(six))")
            let (alone, _) = try collect(model, [relu6], threads: 2)
            XCTAssertEqual(both["relu6"], alone["relu6"])
        }
    }
}

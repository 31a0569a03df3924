import Foundation
import StrataCore
import XCTest
@testable import StrataKeras

/// The small rules the importer depends on.
final class KerasPiecesTests: XCTestCase {
    func testSnakeCaseAsKerasNamesWeightGroups() {
        XCTAssertEqual(Keras3WeightStore.snakeCase("Conv2D"), "conv2d")
        XCTAssertEqual(Keras3WeightStore.snakeCase("BatchNormalization"), "batch_normalization")
        XCTAssertEqual(Keras3WeightStore.snakeCase("DepthwiseConv2D"), "depthwise_conv2d")
        XCTAssertEqual(Keras3WeightStore.snakeCase("MaxPooling2D"), "max_pooling2d")
        XCTAssertEqual(Keras3WeightStore.snakeCase("InputLayer"), "input_layer")
        XCTAssertEqual(Keras3WeightStore.snakeCase("GRU"), "gru")
    }

    /// TensorFlow's SAME padding puts the odd pixel at the end.
    func testSamePaddingIsAsymmetricLikeTensorFlow() {
        XCTAssertTrue(KerasLayerContext.samePadding(size: 8, kernel: 3, stride: 2, dilation: 1)! == (0, 1))
        XCTAssertTrue(KerasLayerContext.samePadding(size: 7, kernel: 3, stride: 2, dilation: 1)! == (1, 1))
        XCTAssertTrue(KerasLayerContext.samePadding(size: 5, kernel: 3, stride: 1, dilation: 2)! == (2, 2))
        XCTAssertTrue(KerasLayerContext.samePadding(size: 4, kernel: 1, stride: 2, dilation: 1)! == (0, 0))
    }

    func testBothGraphFormatsParseToTheSameCalls() throws {
        let keras2 = """
            {"class_name": "Functional", "config": {"name": "m", "layers": [
              {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [null, 4], "dtype": "float32", "name": "x"}, "inbound_nodes": []},
              {"class_name": "Add", "name": "sum", "config": {"name": "sum"}, "inbound_nodes": [[["x", 0, 0, {}], ["x", 0, 0, {}]]]}],
             "input_layers": [["x", 0, 0]], "output_layers": [["sum", 0, 0]]}}
            """
        let keras3 = """
            {"class_name": "Functional", "config": {"name": "m", "layers": [
              {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [null, 4], "dtype": "float32", "name": "x"}, "inbound_nodes": []},
              {"class_name": "Add", "name": "sum", "config": {"name": "sum"}, "inbound_nodes": [{"args": [[
                {"class_name": "__keras_tensor__", "config": {"shape": [null, 4], "dtype": "float32", "keras_history": ["x", 0, 0]}},
                {"class_name": "__keras_tensor__", "config": {"shape": [null, 4], "dtype": "float32", "keras_history": ["x", 0, 0]}}]],
                "kwargs": {}}]}],
             "input_layers": ["x", 0, 0], "output_layers": ["sum", 0, 0]}}
            """
        for text in [keras2, keras3] {
            let spec = try KerasModelSpec.parse(try XCTUnwrap(KerasJSON.parse(text)), file: "m.json")
            XCTAssertEqual(spec.inputs, [KerasTensorRef(layer: "x", node: 0, tensor: 0)])
            XCTAssertEqual(spec.outputs, [KerasTensorRef(layer: "sum", node: 0, tensor: 0)])
            XCTAssertEqual(spec.layers[1].calls.first?.inputs, Array(repeating: KerasTensorRef(layer: "x", node: 0, tensor: 0), count: 2))
        }
    }

    func testLayerTableHasEachClassOnceAndTheCoreClasses() {
        XCTAssertEqual(KerasLayerTable.families.map(\.count).reduce(0, +), KerasLayerTable.lowerings.count,
                       "a Keras class is registered in two families")
        var expected = ["Dense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "DepthwiseConv1D",
                        "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "BatchNormalization", "LayerNormalization",
                        "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "Dropout",
                        "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
                        "AlphaDropout", "ActivityRegularization", "Flatten", "Reshape", "Permute", "Add", "Subtract",
                        "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Rescaling", "Normalization"]
        for rank in 1 ... 3 {
            expected += ["MaxPooling", "AveragePooling", "GlobalAveragePooling", "GlobalMaxPooling", "ZeroPadding", "Cropping",
                         "UpSampling"].map { "\($0)\(rank)D" }
        }
        XCTAssertEqual(expected.filter { KerasLayerTable.lowerings[$0] == nil }, [])
        XCTAssertNil(KerasLayerTable.lowerings["Lambda"])
    }

    /// Variables from a dictionary, for importing configs written in a test.
    struct FixedWeights: KerasWeightStore {
        let variables: [String: [Tensor]]
        func variables(at path: [String]) throws -> [KerasVariable] {
            (variables[path.joined(separator: "/")] ?? []).map { KerasVariable(name: "v", value: $0) }
        }
    }

    static let denseModel = """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "Dense", "config": {"name": "d", "units": 2, "activation": "relu", "batch_input_shape": [null, 3]}}]}}
        """

    func testDenseLowersToMatMulAddReluNamedAfterTheLayer() throws {
        let kernel = Tensor([1, -1, 2, 0.5, -3, 1], shape: [3, 2])
        let bias = Tensor([0.25, -0.5], shape: [2])
        let model = try KerasImporter.build(
            configText: Self.denseModel, file: "s.json", format: .kerasH5, kerasVersion: "2.21.0", backend: nil,
            store: { _ in FixedWeights(variables: ["d": [kernel, bias]]) })
        XCTAssertEqual(model.graph.nodes.map(\.opType), ["MatMul", "Add", "Relu"])
        XCTAssertEqual(model.graph.inputs.map(\.name), ["d_input"])
        XCTAssertEqual(model.graph.outputs.map(\.name), ["d"])
        XCTAssertEqual(model.graph.nodes.map { $0.source?.name }, ["d", "d", "d"])
        XCTAssertEqual(model.graph.layers.map(\.layer), ["d_input", "d"])
        XCTAssertEqual(model.layout, .nhwc)
        XCTAssertEqual(model.producer, "keras")
    }

    func testMissingWeightNamesLayerAndWeight() {
        XCTAssertThrowsError(try KerasImporter.build(
            configText: Self.denseModel, file: "s.json", format: .kerasH5, kerasVersion: "2.21.0", backend: nil,
            store: { _ in EmptyWeightStore() })) { error in
            XCTAssertEqual(String(describing: error),
                           "s.json: node 'd' (Dense): weight 'kernel' is missing from the file (the layer has 0 stored weights)")
        }
    }
}

import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataKeras

/// Configs no Keras constructor accepts are refused with one located line, never a trap: zero strides
/// under "same" padding, rates outside [0, 1], models without outputs, negative or overflowing shapes.
final class KerasHostileConfigTests: XCTestCase {
    /// A Sequential model of one layer over an input of `shape`.
    func sequential(_ layer: String, config: String, shape: String) -> String {
        """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": \(shape)}},
          {"class_name": "\(layer)", "config": {"name": "l", \(config)}}]}}
        """
    }

    func error(_ config: String, weights: [Tensor] = [], major: String = "3.15.1") -> String? {
        do {
            _ = try KerasImporter.build(
                configText: config, file: "s.json", format: .kerasH5, kerasVersion: major, backend: nil,
                store: { _ in KerasPiecesTests.FixedWeights(variables: ["l": weights]) })
            XCTFail("the config loaded")
            return nil
        } catch let error as StrataError {
            return error.description
        } catch {
            XCTFail("threw \(error)")
            return nil
        }
    }

    func testZeroStridesWithSamePaddingAreRefusedForEveryRank() {
        for rank in 1 ... 3 {
            let shape = "[null, " + Array(repeating: "8", count: rank).joined(separator: ", ") + ", 2]"
            let zeros = "[" + Array(repeating: "0", count: rank).joined(separator: ", ") + "]"
            XCTAssertEqual(
                error(sequential("Conv\(rank)D", config: "\"filters\": 1, \"kernel_size\": 3, \"strides\": \(zeros), \"padding\": \"same\"",
                                 shape: shape)),
                "s.json: node 'l' (Conv\(rank)D), option 'strides': values must be positive, found \(zeros)")
            for pool in ["MaxPooling", "AveragePooling"] {
                XCTAssertEqual(
                    error(sequential("\(pool)\(rank)D", config: "\"pool_size\": 2, \"strides\": \(zeros), \"padding\": \"same\"", shape: shape)),
                    "s.json: node 'l' (\(pool)\(rank)D), option 'strides': values must be positive, found \(zeros)")
            }
        }
        XCTAssertEqual(
            error(sequential("Conv2D", config: "\"filters\": 1, \"kernel_size\": [3, 0], \"padding\": \"same\"", shape: "[null, 8, 8, 2]")),
            "s.json: node 'l' (Conv2D), option 'kernel_size': values must be positive, found [3, 0]")
        XCTAssertEqual(
            error(sequential("DepthwiseConv2D", config: "\"kernel_size\": 3, \"dilation_rate\": -1, \"padding\": \"same\"",
                             shape: "[null, 8, 8, 2]")),
            "s.json: node 'l' (DepthwiseConv2D), option 'dilation_rate': values must be positive, found [-1, -1]")
        XCTAssertEqual(
            error(sequential("MaxPooling2D", config: "\"pool_size\": [0, 2], \"padding\": \"valid\"", shape: "[null, 8, 8, 2]")),
            "s.json: node 'l' (MaxPooling2D), option 'pool_size': values must be positive, found [0, 2]")
    }

    func testSamePaddingThatOverflowsIsAnError() {
        XCTAssertNil(KerasLayerContext.samePadding(size: Int.max - 1, kernel: 3, stride: 4, dilation: 1))
        XCTAssertNil(KerasLayerContext.samePadding(size: 8, kernel: 3, stride: 0, dilation: 1))
        XCTAssertNil(KerasLayerContext.samePadding(size: 8, kernel: Int.max, stride: 1, dilation: 3))
    }

    func testDropoutRatesOutsideZeroToOneAreRefused() {
        for layer in ["Dropout", "SpatialDropout2D", "GaussianDropout", "AlphaDropout"] {
            XCTAssertEqual(error(sequential(layer, config: "\"rate\": 2.0", shape: "[null, 4, 4, 2]")),
                           "s.json: node 'l' (\(layer)), option 'rate': must be between 0 and 1, found 2.0")
            XCTAssertEqual(error(sequential(layer, config: "\"rate\": -0.5", shape: "[null, 4, 4, 2]")),
                           "s.json: node 'l' (\(layer)), option 'rate': must be between 0 and 1, found -0.5")
        }
        XCTAssertEqual(error(sequential("GaussianNoise", config: "\"stddev\": -1", shape: "[null, 4]")),
                       "s.json: node 'l' (GaussianNoise), option 'stddev': must be a finite number at least 0, found -1.0")
    }

    func testAModelWithoutOutputsOrInputsIsRefused() {
        let noOutputs = """
            {"class_name": "Functional", "config": {"name": "m", "layers": [
              {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [null, 4], "name": "x"}, "inbound_nodes": []}],
             "input_layers": [["x", 0, 0]], "output_layers": []}}
            """
        XCTAssertEqual(error(noOutputs), "s.json: model config: model 'm' has no output layers")
        let noInputs = noOutputs.replacingOccurrences(of: "\"input_layers\": [[\"x\", 0, 0]], \"output_layers\": []",
                                                      with: "\"input_layers\": {}, \"output_layers\": [[\"x\", 0, 0]]")
        XCTAssertEqual(error(noInputs), "s.json: model config: model 'm' has no input layers")
    }

    func testNegativeAndOverflowingInputShapesAreRefused() {
        XCTAssertEqual(error(sequential("Flatten", config: "\"data_format\": \"channels_last\"", shape: "[null, -1, 3]")),
                       "s.json: node 'x' (InputLayer), option 'batch_shape': dimension 1 is negative (-1)")
        XCTAssertEqual(error(sequential("Flatten", config: "\"data_format\": \"channels_last\"",
                                        shape: "[null, 4611686018427387904, 4]")),
                       "s.json: node 'x' (InputLayer), option 'batch_shape': [N, 4611686018427387904, 4] has more elements than a 64-bit size can count")
    }

    func testTransposedConvolutionOutputPaddingMustBeSmallerThanTheStride() {
        XCTAssertEqual(
            error(sequential("Conv2DTranspose", config: "\"filters\": 1, \"kernel_size\": 3, \"strides\": 2, \"output_padding\": 2",
                             shape: "[null, 4, 4, 2]")),
            "s.json: node 'l' (Conv2DTranspose), option 'output_padding': [2, 2] must have 2 values, each at least 0 and smaller than the strides [2, 2]")
        XCTAssertEqual(
            error(sequential("Conv2DTranspose", config: "\"filters\": 1, \"kernel_size\": 3, \"strides\": 2, \"output_padding\": [1, 0, 1]",
                             shape: "[null, 4, 4, 2]")),
            "s.json: node 'l' (Conv2DTranspose), option 'output_padding': [1, 0, 1] must have 2 values, each at least 0 and smaller than the strides [2, 2]")
    }

    /// Constants built from config sizes alone (a causal mask over the declared sequence length) are
    /// checked against the memory limit before they are built.
    func testConstantsFromConfigSizesAreCheckedBeforeBuilding() {
        let previous = MemoryLimit.set(1 << 30)
        defer { MemoryLimit.set(previous) }
        let tensor = #"{"class_name": "__keras_tensor__", "config": {"shape": [null, 65536, 4], "dtype": "float32", "keras_history": ["x", 0, 0]}}"#
        let config = """
            {"class_name": "Functional", "config": {"name": "m", "layers": [
              {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [null, 65536, 4], "dtype": "float32", "name": "x"}, "inbound_nodes": []},
              {"class_name": "Attention", "name": "l", "config": {"name": "l"},
               "inbound_nodes": [{"args": [[\(tensor), \(tensor)]], "kwargs": {"use_causal_mask": true}}]}],
             "input_layers": [["x", 0, 0]], "output_layers": [["l", 0, 0]]}}
            """
        XCTAssertEqual(error(config),
                       "s.json: node 'l' (Attention): the causal_mask constant of shape [65536, 65536] is larger than the memory limit (1.0 GiB)")
    }

    func testCountsOutOfRangeAreRefused() {
        XCTAssertEqual(error(sequential("Dense", config: "\"units\": 9223372036854775807", shape: "[null, 4]")),
                       "s.json: node 'l' (Dense), option 'units': value 9223372036854775807 is out of range (at most 2147483647 in magnitude)")
        XCTAssertEqual(error(sequential("Dense", config: "\"units\": 0", shape: "[null, 4]")),
                       "s.json: node 'l' (Dense), option 'units': must be at least 1, found 0")
        XCTAssertEqual(error(sequential("Conv2D", config: "\"filters\": -3, \"kernel_size\": 3", shape: "[null, 8, 8, 2]")),
                       "s.json: node 'l' (Conv2D), option 'filters': must be at least 1, found -3")
    }

    /// Found by fuzzing (Fixtures/fuzz-regressions/keras-config): a whole number too large for Int (a
    /// 40-digit tensor index in `inbound_nodes`) trapped when converted; it is not an Int, and the config
    /// is refused with a located line.
    func testWholeNumbersBeyondIntAreNotInts() throws {
        let json = try XCTUnwrap(KerasJSON.parse("[7777777777777777777777777777777777777777, 1e300, -1e19, 3.0, 2.5, 7]"))
        XCTAssertEqual(try XCTUnwrap(json.array).map(\.int), [nil, nil, nil, 3, nil, 7])
        let root = FixtureRoot.repository
        let regression = root + "/Fixtures/fuzz-regressions/keras-config/tensor-index-past-int@embedding.k3w.weights.h5.json"
        XCTAssertThrowsError(try KerasImporter.load(path: root + "/Fixtures/keras/embedding.k3w.weights.h5", configPath: regression)) { error in
            XCTAssertEqual(String(describing: error), "\(root)/Fixtures/keras/embedding.k3w.weights.h5: model config: malformed 'output_layers'")
        }
    }
}

import Foundation
import StrataTestSupport
import XCTest
@testable import StrataCommands
@testable import StrataKeras

/// Keras 2 op layers (`TFOpLambda`, `SlicingOpLambda`) and Keras 3 op entries (`NotEqual`, `GetItem`,
/// the `Reshape` op with `newshape`, …) against the committed fixtures, and the refusal of what is outside
/// the tables.
final class OpsLayerTests: XCTestCase {
    func testTFOpLambdaFixturesMatchKeras() throws {
        let fixtures = RecurrentLayerTests.fixtureHelper()
        let files = KerasFixtureTests.files("tensor_ops").filter { $0.path.contains(".k2") }
        XCTAssertEqual(files.count, 3)
        for (path, config) in files {
            XCTAssertGreaterThan(try fixtures.compare(path, config: config), 10, path)
        }
    }

    func testKeras3OpFixturesMatchKeras() throws {
        let fixtures = RecurrentLayerTests.fixtureHelper()
        let files = (KerasFixtureTests.files("tensor_ops") + KerasFixtureTests.files("masking")).filter { $0.path.contains(".k3") }
        XCTAssertEqual(files.count, 6)
        for (path, config) in files {
            XCTAssertGreaterThan(try fixtures.compare(path, config: config), 10, path)
        }
    }

    func testKeras3ReshapeOpKeepsTheWholeShape() throws {
        let model = try ModelLoader.load(KerasFixtureTests.fixtures + "/tensor_ops.k3w.weights.h5",
                                         config: KerasFixtureTests.fixtures + "/tensor_ops.k3w.json")
        let reshape = try XCTUnwrap(model.graph.nodes.first { $0.opType == "Reshape" && $0.source?.name == "reshape" })
        let shape = try XCTUnwrap(model.graph.initializers[reshape.inputs[1]])
        XCTAssertEqual(shape.ints(), [-1, 24])
    }

    func testUnsupportedGetItemKeyIsRefused() throws {
        let source = try String(contentsOfFile: KerasFixtureTests.fixtures + "/tensor_ops.k3w.json", encoding: .utf8)
        let slice = #"{"class_name": "__slice__", "config": {"start": 1, "stop": 3, "step": null}}"#
        XCTAssertTrue(source.contains(slice))
        try withConfig(source.replacingOccurrences(of: slice, with: #"{"class_name": "__ellipsis__", "config": {}}"#)) { config in
            XCTAssertThrowsError(try ModelLoader.load(KerasFixtureTests.fixtures + "/tensor_ops.k3w.weights.h5", config: config)) { error in
                XCTAssertTrue("\(error)".contains("node 'get_item' (GetItem)"), "\(error)")
                XCTAssertTrue("\(error)".contains("only slices and integer indices are supported"), "\(error)")
            }
        }
    }

    func testNotEqualWithATextOperandIsRefused() throws {
        let source = try String(contentsOfFile: KerasFixtureTests.fixtures + "/masking.k3w.json", encoding: .utf8)
        let argument = #""keras_history": ["tokens", 0, 0]}}, 0]"#
        XCTAssertTrue(source.contains(argument))
        try withConfig(source.replacingOccurrences(of: argument, with: #""keras_history": ["tokens", 0, 0]}}, "zero"]"#)) { config in
            XCTAssertThrowsError(try ModelLoader.load(KerasFixtureTests.fixtures + "/masking.k3w.weights.h5", config: config)) { error in
                XCTAssertTrue("\(error)".contains("node 'not_equal_1' (NotEqual)"), "\(error)")
                XCTAssertTrue("\(error)".contains("neither a tensor nor a number"), "\(error)")
            }
        }
    }

    /// Runs `body` with the path of a temporary architecture JSON holding `text`.
    private func withConfig(_ text: String, _ body: (String) throws -> Void) throws {
        let folder = URL(fileURLWithPath: try makeScratchFolder(prefix: "strata-ops"))
        let config = folder.appendingPathComponent("model.json").path
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        try body(config)
    }

    func testUnknownTensorFlowFunctionIsRefused() throws {
        let folder = URL(fileURLWithPath: try makeScratchFolder(prefix: "strata-ops"))
        let source = try String(contentsOfFile: KerasFixtureTests.fixtures + "/tensor_ops.k2w.json", encoding: .utf8)
        XCTAssertTrue(source.contains("\"function\": \"nn.relu\""))
        let config = folder.appendingPathComponent("model.json").path
        try source.replacingOccurrences(of: "\"function\": \"nn.relu\"", with: "\"function\": \"nn.crelu\"")
            .write(toFile: config, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ModelLoader.load(KerasFixtureTests.fixtures + "/tensor_ops.k2w.h5", config: config)) { error in
            XCTAssertTrue("\(error)".contains("layer class 'TFOpLambda' with function 'nn.crelu' is not supported"), "\(error)")
        }
    }
}

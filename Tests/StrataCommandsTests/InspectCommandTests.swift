import Foundation
import StrataCore
import XCTest
@testable import StrataCommands

final class InspectCommandTests: CommandTestCase {
    func testTextReportShowsHeaderBoundaryAndNodeRows() throws {
        let model = try ModelLoader.load(Self.tinyCNN)
        let lines = try strata(["inspect", Self.tinyCNN]).output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "model:     \(Self.tinyCNN)")
        XCTAssertEqual(lines[1], "format:    onnx")
        XCTAssertTrue(lines.contains { $0.hasPrefix("input ") && $0.hasSuffix("float32[N, 3, 32, 32]") }, "\(lines)")
        let conv1 = try XCTUnwrap(lines.first { $0.hasPrefix("conv1 ") })
        let parameters = model.graph.initializers["conv1.weight"]!.count + model.graph.initializers["conv1.bias"]!.count
        XCTAssertTrue(conv1.contains(" Conv "), conv1)
        XCTAssertTrue(conv1.contains("float32[N, "), conv1)
        XCTAssertTrue(conv1.hasSuffix(" \(parameters)"), conv1)
        let relu = try XCTUnwrap(lines.first { $0.hasPrefix("relu1 ") })
        XCTAssertTrue(relu.hasSuffix(" 0"), relu)
        let total = model.graph.initializers.values.reduce(0) { $0 + $1.count }
        XCTAssertTrue(lines.contains("\(model.graph.nodes.count) nodes, \(total) parameters in \(model.graph.initializers.count) initializers"))
    }

    func testJSONReportIsMachineReadable() throws {
        let model = try ModelLoader.load(Self.tinyCNN)
        let output = try strata(["inspect", Self.tinyCNN, "--json"]).output
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        XCTAssertEqual(json["format"] as? String, "onnx")
        let inputs = try XCTUnwrap(json["inputs"] as? [[String: Any]])
        XCTAssertEqual(inputs.first?["name"] as? String, "input")
        XCTAssertEqual(inputs.first?["shape"] as? NSArray, ["N", 3, 32, 32] as NSArray)
        let nodes = try XCTUnwrap(json["nodes"] as? [[String: Any]])
        XCTAssertEqual(nodes.map { $0["name"] as? String }, model.graph.nodes.map(\.name))
        let totals = try XCTUnwrap(json["totals"] as? [String: Any])
        XCTAssertEqual(totals["parameters"] as? Int, model.graph.initializers.values.reduce(0) { $0 + $1.count })
    }

    func testLayersListsEachCapturableLayerOnce() throws {
        let model = try ModelLoader.load(Self.hostile)
        var expected: [String] = []
        for row in model.graph.captureTable where !expected.contains(row.layer) { expected.append(row.layer) }
        let output = try strata(["layers", Self.hostile]).output
        XCTAssertEqual(output, expected.map { $0 + "\n" }.joined())
        XCTAssertEqual(Set(expected).count, expected.count)
    }

    func testMissingModelIsOneLineIOError() throws {
        let path = scratch + "/nope.onnx"
        let message = try XCTUnwrap(strataError(["inspect", path]))
        XCTAssertTrue(message.hasPrefix(path + ": "), message)
        XCTAssertFalse(message.contains("\n"))
    }

    func testMissingFilesSayWhyWhateverTheFormat() throws {
        for name in ["nope.onnx", "nope.h5", "nope.keras"] {
            let path = scratch + "/" + name
            XCTAssertEqual(strataError(["inspect", path]), "\(path): file not found")
        }
        let folder: String = scratch
        XCTAssertEqual(strataError(["inspect", folder]), "\(folder): is a directory, not a file")
    }

    func testKerasLambdaLayerIsRefusedWithoutRunningIt() throws {
        let path = Self.root + "/Fixtures/keras/errors/lambda.k3.keras"
        XCTAssertEqual(
            strataError(["inspect", path]),
            "\(path): node 'times_two' (Lambda): layer class 'Lambda' runs Python code stored in the model; "
                + "Strata never runs code from a model file")
    }
}

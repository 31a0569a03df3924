import Foundation
import StrataCore
import StrataExport
import StrataONNX
import XCTest
@testable import StrataCommands

final class ConvertCommandTests: CommandTestCase {
    static let keras = root + "/Fixtures/keras/cnn.k3.keras"
    static let kerasReference = keras + ".reference"

    func testKerasConversionKeepsNamesAndRecordsTheSource() throws {
        let out = scratch + "/cnn.onnx"
        let console = try strata(["convert", Self.keras, out])
        XCTAssertEqual(console.output, "wrote \(out) (ONNX opset 17)\n")
        let model = try ModelLoader.load(out)
        XCTAssertEqual(model.opsetImports[""], 17)
        XCTAssertEqual(model.graph.inputs.map(\.name), ["image"])
        XCTAssertEqual(model.metadata["strata.source_file"], "cnn.k3.keras")
        XCTAssertEqual(model.metadata["strata.source_format"], "keras-archive")
        XCTAssertEqual(model.metadata["keras_version"], "3.15.1")
        let keras = try ModelLoader.load(Self.keras)
        let kerasLayers = Set(keras.graph.captureTable.map(\.layer))
        for node in model.graph.nodes {
            let layer = String(node.name.split(separator: "/").first ?? "")
            XCTAssertTrue(kerasLayers.contains(layer), "node \(node.name) does not start with a Keras layer name")
        }
        // NHWC at the interface, NCHW inside: the lowering's transpose pairs are gone.
        XCTAssertEqual(model.graph.inputs[0].type.shape?.dropFirst().compactMap(\.value), [12, 12, 3])
        XCTAssertLessThan(model.graph.nodes.filter { $0.opType == "Transpose" }.count,
                          keras.graph.nodes.filter { $0.opType == "Transpose" }.count)
    }

    func testRoundTripRunMatchesKerasOutputs() throws {
        let out = scratch + "/cnn.onnx"
        try strata(["convert", Self.keras, out, "--quiet"])
        let acts = scratch + "/acts"
        try strata(["run", out, "--input", Self.kerasReference + "/inputs/image.npy", "--out", acts, "--quiet"])
        let rows = try XCTUnwrap(try manifest(in: acts)["activations"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 1)
        let got = try NPYFile.read(acts + "/" + XCTUnwrap(rows[0]["file"] as? String))
        let want = try NPYFile.read(Self.kerasReference + "/probs.0.0.npy")
        XCTAssertEqual(got.shape, want.shape)
        let scale = want.floats().map(abs).max() ?? 0
        for (a, b) in zip(got.floats(), want.floats()) {
            XCTAssertLessThanOrEqual(abs(a - b), 1e-3 * abs(b) + 1e-4 * scale)
        }
    }

    func testOnnxReserialisationChangesTheOpset() throws {
        let out = scratch + "/tiny13.onnx"
        try strata(["convert", Self.tinyCNN, out, "--opset", "13", "--batch-size", "dynamic", "--quiet"])
        let model = try ModelLoader.load(out)
        XCTAssertEqual(model.opsetImports[""], 13)
        XCTAssertEqual(model.graph.inputs[0].type.shape?.first, .symbol("batch"))
        XCTAssertEqual(model.graph.nodes.map(\.name), try ModelLoader.load(Self.tinyCNN).graph.nodes.map(\.name))
    }

    func testBadArgumentsAndDestinations() {
        XCTAssertThrowsError(try strata(["convert", Self.keras, scratch + "/x.onnx", "--opset", "12"]))
        XCTAssertThrowsError(try strata(["convert", Self.keras, scratch + "/x.onnx", "--batch-size", "0"]))
        XCTAssertEqual(strataError(["convert", Self.keras, scratch + "/no/such/x.onnx"]),
                       "\(scratch!)/no/such/x.onnx: the output folder '\(scratch!)/no/such' does not exist")
        XCTAssertEqual(folderContents(scratch), [])
    }
}

import ArgumentParser
import Foundation
import StrataCore
import StrataONNX
import StrataTestSupport
import XCTest
@testable import StrataCommands

final class CompareCommandTests: CommandTestCase {
    static let keras = root + "/Fixtures/keras/cnn.k3.keras"
    static let input = keras + ".reference/inputs/image.npy"

    /// Runs `strata compare`; returns its output and whether it reported a divergence (exit code 1).
    func compare(_ arguments: [String]) throws -> (output: String, diverged: Bool) {
        let console = Console.capture()
        let command = try XCTUnwrap(try StrataCommand.parseAsRoot(["compare"] + arguments) as? CompareCommand)
        do {
            try command.executeReportingStrataErrors(on: console)
            return (console.output, false)
        } catch let exit as ExitCode {
            XCTAssertEqual(exit, ExitCode(1))
            return (console.output, true)
        }
    }

    /// The policy the Tools scripts read (Tools/testlib.py) is what `strata compare --print-policy --json`
    /// prints, byte for byte.
    func testPrintedPolicyIsToolsCopy() throws {
        let (output, diverged) = try compare(["--print-policy", "--json"])
        XCTAssertFalse(diverged)
        Golden.assertMatches(output, golden: FixtureRoot.repository + "/Tools/tolerance-policy.json")
    }

    func testPrintedPolicyNamesEveryRule() throws {
        let (output, _) = try compare(["--print-policy"])
        XCTAssertEqual(output.split(separator: "\n").map(String.init), [
            "reference: |got − want| ≤ 0.0 + 0.0001·max|ref| + 0.001·|want|, NaN equals NaN",
            "float16_reference: |got − want| ≤ 0.0 + 0.00390625·max|ref| + 0.0009765625·|want|, NaN equals NaN",
            "onnx_node: |got − want| ≤ 1e-05 + 0.0·max|ref| + 0.001·|want|, NaN equals NaN",
            "kernel: |got − want| ≤ 1e-05 + 0.0·max|ref| + 0.0001·|want|, NaN equals NaN",
            "approximate copy: cosine ≥ 0.99, SQNR ≥ 10.0 dB; near match: cosine ≥ 0.5",
        ])
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["compare", Self.keras])) { error in
            XCTAssertEqual(StrataCommand.message(for: error), "compare needs two models: MODEL OTHER (or --print-policy)")
        }
    }

    func testKerasModelAndItsConversionAgreeOnEveryLayer() throws {
        let onnx = scratch + "/cnn.onnx"
        try strata(["convert", Self.keras, onnx, "--quiet"])
        let (output, diverged) = try compare([Self.keras, onnx, "--input", Self.input])
        XCTAssertFalse(diverged, output)
        let lines = output.split(separator: "\n")
        XCTAssertTrue(lines.first?.hasPrefix("layer") ?? false)
        // The input and the 8 layers, all through the layer map the conversion wrote.
        XCTAssertEqual(lines.filter { $0.hasSuffix(" map    ok") }.count, 9, output)
        XCTAssertEqual(lines.last, "all 9 matched layers within tolerance (rtol 0.001, atol 1e-4·max|A|)")
    }

    func testCorruptedWeightNamesTheFirstDivergentLayer() throws {
        let onnx = scratch + "/cnn.onnx"
        try strata(["convert", Self.keras, onnx, "--quiet"])
        var model = try ONNXImporter.load(path: onnx)
        let kernel = try XCTUnwrap(model.graph.initializers["conv1/kernel"]).copy()
        kernel.pointer(as: Float.self)[0] += 0.5
        model.graph.initializers["conv1/kernel"] = kernel
        let corrupted = scratch + "/corrupted.onnx"
        try ONNXExporter.write(model, to: corrupted, options: ExportOptions(metadata: model.metadata))

        let (output, diverged) = try compare([Self.keras, corrupted, "--input", Self.input])
        XCTAssertTrue(diverged, output)
        XCTAssertTrue(output.contains("\nconv1 "), output)
        XCTAssertTrue(output.split(separator: "\n").last?.hasPrefix("first divergent layer: conv1 (max abs err ") ?? false, output)

        let (json, _) = try compare([Self.keras, corrupted, "--input", Self.input, "--json"])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(object["first_divergent"] as? String, "conv1")
        let layers = try XCTUnwrap(object["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.first?["within_tolerance"] as? Bool, true)
        let conv1 = try XCTUnwrap(layers.first { $0["layer"] as? String == "conv1" })
        XCTAssertEqual(conv1["within_tolerance"] as? Bool, false)
        XCTAssertEqual(conv1["match"] as? String, "map")
    }

    func testOnnxAgainstItselfWithRandomInputsAndAUserMap() throws {
        let (output, diverged) = try compare([Self.tinyCNN, Self.tinyCNN])
        XCTAssertFalse(diverged, output)
        let map = scratch + "/map.json"
        try Data(#"{"conv1": "conv1", "relu1": "conv1"}"#.utf8).write(to: URL(fileURLWithPath: map))
        let (mapped, mappedDiverged) = try compare([Self.tinyCNN, Self.tinyCNN, "--map", map])
        XCTAssertTrue(mappedDiverged, mapped)
        XCTAssertTrue(mapped.contains("relu1 ↔ conv1"), mapped)
        XCTAssertTrue(mapped.split(separator: "\n").last?.hasPrefix("first divergent layer: relu1 ") ?? false, mapped)
    }

    func testChannelsLastModelGetsTransposedInputs() throws {
        // B: the tiny CNN behind an NHWC input; A's NCHW input must reach it transposed.
        var model = try ModelLoader.load(Self.tinyCNN)
        let input = model.graph.inputs[0]
        let shape = try XCTUnwrap(input.type.shape)
        model.graph.nodes.insert(Node(name: "to_nchw", opType: "Transpose", inputs: ["input_nhwc"], outputs: [input.name],
                                      attributes: ["perm": .ints([0, 3, 1, 2])]), at: 0)
        model.graph.inputs[0] = ValueInfo(name: "input_nhwc", type: ValueType(input.type.dtype, [shape[0], shape[2], shape[3], shape[1]]))
        let nhwc = scratch + "/nhwc.onnx"
        try ONNXExporter.write(model, to: nhwc, options: ExportOptions(optimizeLayout: false))
        let (output, diverged) = try compare([Self.tinyCNN, nhwc, "--input", Self.tinyInput])
        XCTAssertFalse(diverged, output)
        XCTAssertTrue(output.contains("conv1 "), output)
    }

    func testModelAgainstItselfMatchesEveryLayerByName() throws {
        let (json, diverged) = try compare([Self.tinyCNN, Self.tinyCNN, "--input", Self.tinyInput, "--json"])
        XCTAssertFalse(diverged, json)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let layers = try XCTUnwrap(object["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.count, 10, json)  // every node output
        for row in layers {
            XCTAssertEqual(row["match"] as? String, "name", json)
            XCTAssertEqual(row["max_abs_err"] as? Double, 0, json)
            XCTAssertTrue(row["sqnr"] is NSNull, json)
        }
        XCTAssertEqual((object["unmatched"] as? [Any])?.count, 0, json)
    }

    func testRenamedChannelsLastCopyMatchesByValue() throws {
        // B: the tiny CNN with every value renamed and its input taken channels-last.
        var model = try ModelLoader.load(Self.tinyCNN)
        var renamed: [String: String] = [:]
        for (i, node) in model.graph.nodes.enumerated() { for out in node.outputs { renamed[out] = "v\(i)_\(out.count)" } }
        func rename(_ name: String) -> String { renamed[name] ?? name }
        for i in model.graph.nodes.indices {
            model.graph.nodes[i].name = "n\(i)"
            model.graph.nodes[i].inputs = model.graph.nodes[i].inputs.map(rename)
            model.graph.nodes[i].outputs = model.graph.nodes[i].outputs.map(rename)
        }
        model.graph.outputs = model.graph.outputs.map { ValueInfo(name: rename($0.name), type: $0.type) }
        let input = model.graph.inputs[0]
        let shape = try XCTUnwrap(input.type.shape)
        for i in model.graph.nodes.indices { model.graph.nodes[i].inputs = model.graph.nodes[i].inputs.map { $0 == input.name ? "nchw" : $0 } }
        model.graph.nodes.insert(Node(name: "to_nchw", opType: "Transpose", inputs: ["pixels"], outputs: ["nchw"],
                                      attributes: ["perm": .ints([0, 3, 1, 2])]), at: 0)
        model.graph.inputs[0] = ValueInfo(name: "pixels", type: ValueType(input.type.dtype, [shape[0], shape[2], shape[3], shape[1]]))
        let copy = scratch + "/renamed.onnx"
        try ONNXExporter.write(model, to: copy, options: ExportOptions(optimizeLayout: false))

        let console = Console.capture()
        let command = try XCTUnwrap(try StrataCommand.parseAsRoot(["compare", Self.tinyCNN, copy, "--input", Self.tinyInput, "--json"]) as? CompareCommand)
        try command.executeReportingStrataErrors(on: console)
        XCTAssertTrue(console.errors.contains("fed to 'pixels' as [2, 32, 32, 3] (transposed [0, 2, 3, 1], channels-first to channels-last)"), console.errors)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(console.output.utf8)) as? [String: Any])
        let layers = try XCTUnwrap(object["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.count, 10, console.output)
        for row in layers {
            XCTAssertEqual(row["match"] as? String, "value", console.output)
            XCTAssertEqual(row["within_tolerance"] as? Bool, true, console.output)
            XCTAssertEqual(row["other_tensor"] as? String, rename(row["tensor"] as? String ?? ""), console.output)
        }
    }
}

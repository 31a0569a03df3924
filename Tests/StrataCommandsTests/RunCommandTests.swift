import Foundation
import StrataCore
import StrataEngine
import StrataExport
import XCTest
@testable import StrataCommands

final class RunCommandTests: CommandTestCase {
    func testAllLayersMatchOnnxruntimeReference() throws {
        let out = scratch + "/acts"
        try strata(["run", Self.tinyCNN, "--input", Self.tinyInput, "--all", "--out", out, "--quiet"])
        let json = try manifest(in: out)
        XCTAssertEqual(json["model"] as? String, Self.tinyCNN)
        XCTAssertEqual(json["format"] as? String, "onnx")
        let inputs = try XCTUnwrap(json["inputs"] as? [[String: Any]])
        XCTAssertEqual(inputs.first?["name"] as? String, "input")
        XCTAssertEqual(inputs.first?["file"] as? String, Self.tinyInput)
        XCTAssertEqual(inputs.first?["shape"] as? [Int], [2, 3, 32, 32])
        let activations = try XCTUnwrap(json["activations"] as? [[String: Any]])
        let model = try ModelLoader.load(Self.tinyCNN)
        XCTAssertEqual(activations.map { $0["tensor"] as? String }, model.graph.captureTable.map(\.tensor))
        for row in activations {
            let tensorName = try XCTUnwrap(row["tensor"] as? String)
            let file = try XCTUnwrap(row["file"] as? String)
            let got = try NPYFile.read(out + "/" + file)
            let want = try NPYFile.read(Self.tinyReference + "/" + tensorName + ".npy")
            XCTAssertEqual(row["shape"] as? [Int], got.shape)
            XCTAssertEqual(row["dtype"] as? String, "float32")
            XCTAssertEqual(got.shape, want.shape, tensorName)
            let scale = want.floats().map(abs).max() ?? 0
            for (a, b) in zip(got.floats(), want.floats()) where abs(a - b) > 1e-3 * abs(b) + 1e-4 * scale {
                XCTFail("\(tensorName): \(a) vs \(b)")
                break
            }
        }
        XCTAssertEqual(folderContents(out).count, activations.count + 1)
    }

    func testWithoutSelectorsWritesTheModelOutputs() throws {
        let out = scratch + "/outputs"
        let console = try strata(["run", Self.tinyCNN, "--input", "input=" + Self.tinyInput, "--out", out])
        let activations = try XCTUnwrap(try manifest(in: out)["activations"] as? [[String: Any]])
        XCTAssertEqual(activations.count, 1)
        XCTAssertEqual(activations[0]["layer"] as? String, "softmax")
        XCTAssertEqual(activations[0]["op"] as? String, "Softmax")
        XCTAssertEqual(activations[0]["output"] as? Int, 0)
        XCTAssertEqual(activations[0]["tensor"] as? String, "probabilities")
        XCTAssertEqual(activations[0]["file"] as? String, "softmax.npy")
        XCTAssertEqual(console.output, "wrote 1 activation to \(out) (\(out)/manifest.json)\n")
    }

    func testLayerSelectorsByNameTensorAndGlob() throws {
        let out = scratch + "/some"
        try strata(["run", Self.tinyCNN, "--input", Self.tinyInput, "--layer", "conv*", "--layer", "relu1_out",
                    "--out", out, "--quiet"])
        let activations = try XCTUnwrap(try manifest(in: out)["activations"] as? [[String: Any]])
        XCTAssertEqual(Set(activations.compactMap { $0["layer"] as? String }), ["conv1", "conv2", "relu1"])
    }

    func testUnknownSelectorNamesClosestLayers() {
        XCTAssertEqual(
            strataError(["run", Self.tinyCNN, "--input", Self.tinyInput, "--layer", "conv3", "--out", scratch + "/x"]),
            "\(Self.tinyCNN): no layer or tensor named 'conv3'; closest: conv1, conv2, bn1")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/x"))
    }

    func testMissingInputSaysHowToPassIt() {
        XCTAssertEqual(
            strataError(["run", Self.tinyCNN, "--out", scratch + "/x"]),
            "\(Self.tinyCNN): missing input 'input' (float32[N, 3, 32, 32]); pass --input input=FILE.npy")
    }

    func testUnknownInputNameListsTheInputs() {
        XCTAssertEqual(
            strataError(["run", Self.tinyCNN, "--input", "image=a.npy", "--out", scratch + "/x"]),
            "\(Self.tinyCNN): the model has no input named 'image'; its inputs are: input float32[N, 3, 32, 32]")
    }

    func testTooManyInputs() {
        XCTAssertEqual(
            strataError(["run", Self.tinyCNN, "--input", Self.tinyInput, "--input", Self.tinyInput, "--out", scratch + "/x"]),
            "\(Self.tinyCNN): 2 input files given but the model takes 1: input float32[N, 3, 32, 32]")
    }

    func testWrongInputShapeIsReportedAndNothingIsWritten() throws {
        let bad = scratch + "/bad.npy"
        try NPYFile.write(Tensor(dtype: .float32, shape: [1, 3, 16, 16], zeroed: true), to: bad)
        let out = scratch + "/never"
        XCTAssertEqual(
            strataError(["run", Self.tinyCNN, "--input", bad, "--all", "--out", out]),
            "\(Self.tinyCNN): input 'input': expected float32[N, 3, 32, 32], got float32[1, 3, 16, 16]")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertEqual(folderContents(scratch), ["bad.npy"], "staging folder left behind")
    }

    func testCorruptInputFileIsNamed() throws {
        let bad = scratch + "/corrupt.npy"
        try Data("not numpy".utf8).write(to: URL(fileURLWithPath: bad))
        XCTAssertEqual(
            strataError(["run", Self.tinyCNN, "--input", bad, "--out", scratch + "/x"]),
            "\(bad): not a valid .npy file: missing the \\x93NUMPY signature")
    }

    func testHostileLayerNamesBecomeSafeFileNamesInsideTheFolder() throws {
        let input = scratch + "/x.npy"
        try NPYFile.write(Tensor([1, 2] as [Float], shape: [2]), to: input)
        let out = scratch + "/hostile"
        try strata(["run", Self.hostile, "--input", input, "--all", "--out", out, "--quiet"])
        let activations = try XCTUnwrap(try manifest(in: out)["activations"] as? [[String: Any]])
        let model = try ModelLoader.load(Self.hostile)
        XCTAssertEqual(activations.compactMap { $0["layer"] as? String }, model.graph.captureTable.map(\.layer))
        let files = activations.compactMap { $0["file"] as? String }
        XCTAssertEqual(Set(files.map { $0.lowercased() }).count, files.count)
        for file in files {
            XCTAssertNil(file.firstIndex { !($0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0))) }, file)
            XCTAssertFalse(file.hasPrefix("."), file)
            XCTAssertEqual(try NPYFile.read(out + "/" + file).floats(), [1, 2])
        }
        XCTAssertEqual(Set(folderContents(out)), Set(files + ["manifest.json"]))
        XCTAssertEqual(folderContents(scratch), ["hostile", "x.npy"])
    }

    func testRunJSONPrintsTheManifest() throws {
        let out = scratch + "/j"
        let output = try strata(["run", Self.tinyCNN, "--input", Self.tinyInput, "--out", out, "--json"]).output
        let printed = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? NSDictionary
        XCTAssertEqual(printed, try manifest(in: out) as NSDictionary)
    }

    func testBenchJSONHasTheDocumentedKeys() throws {
        let output = try strata(["bench", Self.tinyCNN, "--runs", "2", "--warmup", "0", "--threads", "1", "--json"]).output
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        XCTAssertEqual(Set(json.keys), ["load_ms", "median_ms", "min_ms", "max_ms", "peak_rss_mb", "isa",
                                        "parallel_loops", "contended_loops", "threads", "threads_chosen", "runs_with_fewer_threads"])
        XCTAssertEqual(json["threads"] as? Int, 1)
        XCTAssertEqual(json["threads_chosen"] as? Int, 1)
        XCTAssertEqual(json["runs_with_fewer_threads"] as? Int, 0)
        XCTAssertEqual(json["isa"] as? String, KernelTier.active.rawValue)
        // One thread asks the pool for nothing.
        XCTAssertEqual(json["parallel_loops"] as? Int, 0)
        XCTAssertEqual(json["contended_loops"] as? Int, 0)
        let minimum = try XCTUnwrap(json["min_ms"] as? Double)
        let maximum = try XCTUnwrap(json["max_ms"] as? Double)
        XCTAssertLessThanOrEqual(minimum, maximum)
        XCTAssertGreaterThan(try XCTUnwrap(json["peak_rss_mb"] as? Double), 1)
    }

    /// With two threads the timed runs start once the engine has chosen between them and one, so
    /// that every timed run uses the chosen count.
    func testBenchTimesRunsAfterTheThreadChoice() throws {
        let output = try strata(["bench", Self.tinyCNN, "--runs", "6", "--warmup", "0", "--threads", "2", "--json"]).output
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        XCTAssertEqual(json["threads"] as? Int, 2)
        let chosen = try XCTUnwrap(json["threads_chosen"] as? Int)
        XCTAssertTrue(chosen == 1 || chosen == 2, "\(chosen)")
        XCTAssertEqual(json["runs_with_fewer_threads"] as? Int, chosen == 1 ? 6 : 0)
    }

    /// `--profile` accounts for every node that runs, by op type, with and without fusion (this
    /// model has no chain that fuses: a BatchNormalization sits between Conv and Relu).
    func testBenchProfileCountsEveryNode() throws {
        for fusion in [true, false] {
            let output = try strata(["bench", Self.tinyCNN, "--runs", "3", "--warmup", "0", "--threads", "1", "--json", "--profile"]
                                    + (fusion ? [] : ["--no-fusion"])).output
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            let profile = try XCTUnwrap(json["profile"] as? [String: Any])
            let ops = try XCTUnwrap(profile["ops"] as? [[String: Any]])
            var nodes: [String: Int] = [:]
            for op in ops { nodes[try XCTUnwrap(op["name"] as? String)] = try XCTUnwrap(op["nodes"] as? Int) }
            let model = try ModelLoader.load(Self.tinyCNN, config: nil)
            var expected: [String: Int] = [:]
            for node in model.graph.nodes { expected[node.opType, default: 0] += 1 }
            XCTAssertEqual(nodes, expected, "fusion \(fusion)")
            // `--json` lists every node that ran (each once), the text only the slowest.
            let timed = try XCTUnwrap(profile["nodes"] as? [[String: Any]])
            XCTAssertEqual(Set(try timed.map { try XCTUnwrap($0["name"] as? String) }).count, model.graph.nodes.count)
        }
    }

    func testArgumentValidation() {
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["run", Self.tinyCNN]))  // --out is required
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["run", Self.tinyCNN, "--out", "x", "--threads", "0"]))
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["bench", Self.tinyCNN, "--runs", "0"]))
    }
}

import Foundation
import StrataCore
import StrataEngine
import StrataExport
import XCTest
@testable import StrataCommands

/// `strata run --grad`: gradient files beside the activations, the manifest rows and object, and
/// the target options.
final class RunGradientTests: CommandTestCase {
    func testGradientFilesMatchTheEngine() throws {
        let out = scratch + "/grads"
        let names = scratch + "/classes.txt"
        try Array((0..<10).map { "class\($0)" }.joined(separator: "\n").utf8).withUnsafeBytes {
            try Data($0).write(to: URL(fileURLWithPath: names))
        }
        let console = try strata(["run", Self.tinyCNN, "--input", Self.tinyInput, "--all", "--grad", "class3",
                                  "--class-names", names, "--out", out])
        let json = try manifest(in: out)
        let gradient = try XCTUnwrap(json["gradient"] as? [String: Any])
        XCTAssertEqual(gradient["output"] as? String, "probabilities")
        XCTAssertEqual(gradient["probability"] as? Bool, false)
        let targets = try XCTUnwrap(gradient["targets"] as? [[String: Any]])
        XCTAssertEqual(targets.map { $0["index"] as? Int }, [3, 3])
        XCTAssertEqual(targets.map { $0["name"] as? String }, ["class3", "class3"])

        let rows = try XCTUnwrap(json["activations"] as? [[String: Any]])
        let grads = rows.filter { $0["kind"] as? String == "grad" }
        let plain = rows.filter { $0["kind"] == nil }
        XCTAssertEqual(grads.count, plain.count)
        XCTAssertEqual(console.output, "wrote \(plain.count) activations and \(grads.count) gradients to \(out) (\(out)/manifest.json)\n")
        let model = try ModelLoader.load(Self.tinyCNN)
        let engine = try Engine(model: model)
        let tensors = grads.compactMap { $0["tensor"] as? String }
        let run = try engine.gradients(inputs: ["input": try NPYFile.read(Self.tinyInput)],
                                       request: GradientRequest(target: .index(3), withRespectTo: tensors))
        for row in grads {
            let tensor = try XCTUnwrap(row["tensor"] as? String), file = try XCTUnwrap(row["file"] as? String)
            let activation = try XCTUnwrap(plain.first { $0["tensor"] as? String == tensor }?["file"] as? String)
            XCTAssertEqual(file, String(activation.dropLast(4)) + ".grad.npy")
            XCTAssertEqual(try NPYFile.read(out + "/" + file).floats(), run.gradients[tensor]!.floats(), tensor)
        }
        XCTAssertTrue(run.gradients.values.contains { $0.floats().contains { $0 != 0 } })
    }

    func testTargetErrors() {
        XCTAssertEqual(strataError(["run", Self.tinyCNN, "--input", Self.tinyInput, "--grad", "tabby", "--out", scratch + "/x"]),
                       Self.tinyCNN + ": target 'tabby' is a class name; give --class-names FILE to resolve it")
        XCTAssertEqual(strataError(["run", Self.tinyCNN, "--input", Self.tinyInput, "--grad", "probabilities[12]", "--out", scratch + "/x"]),
                       Self.tinyCNN + ": target index 12 is outside 'fc_out', which has 10 values per row (shape [2, 10])")
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["run", Self.tinyCNN, "--input", Self.tinyInput, "--target-prob", "--out", "x"]))
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["run", Self.tinyCNN, "--input", Self.tinyInput, "--target", "3", "--out", "x"]))
    }

    func testBenchTimesGradientRuns() throws {
        let console = try strata(["bench", Self.tinyCNN, "--runs", "1", "--warmup", "0", "--grad", "input", "--grad", "conv*", "--json"])
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(console.output.utf8)) as? [String: Any])
        XCTAssertNotNil(json["median_ms"] as? Double)
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["bench", Self.tinyCNN, "--grad", "input", "--profile"]))
        XCTAssertThrowsError(try strata(["bench", Self.tinyCNN, "--runs", "1", "--grad", "nothing-like-this"]))
    }

    func testTargetSpecParsing() throws {
        XCTAssertEqual(try TargetOptions.Spec(parsing: "top").element, .top)
        let named = try TargetOptions.Spec(parsing: "logits[cat]")
        XCTAssertEqual(named.output, "logits")
        XCTAssertEqual(named.element, .name("cat"))
        XCTAssertEqual(try TargetOptions.Spec(parsing: "7").element, .index(7))
        XCTAssertEqual(try TargetOptions.Spec(parsing: "out[top]").output, "out")
        XCTAssertThrowsError(try TargetOptions.Spec(parsing: "-2"))
        XCTAssertThrowsError(try TargetOptions.Spec(parsing: "out[]"))
    }
}

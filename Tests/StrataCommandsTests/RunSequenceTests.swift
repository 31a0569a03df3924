import Foundation
import StrataCore
import StrataExport
import XCTest
@testable import StrataCommands

/// `strata run` and `inspect` on models with sequence and optional values
/// (`Fixtures/ops/sequence`, outputs from onnxruntime in each model's JSON): a sequence input is
/// read from a folder of `0.npy`, `1.npy`, …; a sequence output is one file per element, its rows
/// saying `"sequence": N` and `"element": k`; an empty optional is a row without a file.
final class RunSequenceTests: CommandTestCase {
    static let folder = root + "/Fixtures/ops/sequence"

    /// The fixture's runs (inputs and onnxruntime's outputs) of `name`.
    private func runs(_ name: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/" + name + ".json"))
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try XCTUnwrap(document["runs"] as? [[String: Any]])
    }

    private func floats(_ json: Any?) throws -> Tensor {
        let value = try XCTUnwrap(json as? [String: Any])
        let shape = try XCTUnwrap(value["shape"] as? [Int])
        let values = try XCTUnwrap(value["values"] as? [Double])
        return Tensor(values.map { Float($0) }, shape: shape)
    }

    func testSequenceInputFolderAndSequenceOutputFiles() throws {
        let run = try XCTUnwrap(runs("sequence_map").first)
        let inputs = try XCTUnwrap(run["inputs"] as? [String: Any])
        let elements = try XCTUnwrap((inputs["xs"] as? [String: Any])?["sequence"] as? [Any])
        let xs = scratch + "/xs"
        try FileManager.default.createDirectory(atPath: xs, withIntermediateDirectories: true)
        for (k, element) in elements.enumerated() { try NPYFile.write(try floats(element), to: xs + "/\(k).npy") }
        try NPYFile.write(try floats(inputs["bias"]), to: scratch + "/bias.npy")

        let out = scratch + "/out"
        try strata(["run", Self.folder + "/sequence_map.onnx", "--input", "xs=" + xs, "--input", "bias=" + scratch + "/bias.npy",
                    "--out", out, "--quiet"])
        let rows = try XCTUnwrap(try manifest(in: out)["activations"] as? [[String: Any]])
        let ys = rows.filter { $0["tensor"] as? String == "ys" }
        let want = try XCTUnwrap(((run["outputs"] as? [String: Any])?["ys"] as? [String: Any])?["sequence"] as? [Any])
        XCTAssertEqual(ys.count, want.count)
        for (k, row) in ys.enumerated() {
            XCTAssertEqual(row["sequence"] as? Int, want.count)
            XCTAssertEqual(row["element"] as? Int, k)
            XCTAssertEqual(row["file"] as? String, "map__seq\(k).npy")
            let got = try NPYFile.read(out + "/" + (row["file"] as? String ?? ""))
            let expected = try floats(want[k])
            XCTAssertEqual(got.shape, expected.shape)
            for (a, b) in zip(got.floats(), expected.floats()) where abs(a - b) > 1e-5 + 1e-3 * abs(b) {
                XCTFail("ys[\(k)]: \(a) vs \(b)")
                break
            }
        }
        let inputRow = try XCTUnwrap((try manifest(in: out)["inputs"] as? [[String: Any]])?.first { $0["name"] as? String == "xs" })
        XCTAssertEqual(inputRow["file"] as? String, xs)

        // An empty folder is an empty sequence: one row without a file.
        let empty = scratch + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let out2 = scratch + "/out2"
        try strata(["run", Self.folder + "/sequence_map.onnx", "--input", "xs=" + empty, "--input", "bias=" + scratch + "/bias.npy",
                    "--out", out2, "--quiet"])
        let emptyRows = try XCTUnwrap(try manifest(in: out2)["activations"] as? [[String: Any]]).filter { $0["tensor"] as? String == "ys" }
        XCTAssertEqual(emptyRows.count, 1)
        XCTAssertEqual(emptyRows.first?["sequence"] as? Int, 0)
        XCTAssertNil(emptyRows.first?["file"])
    }

    func testEmptyOptionalOutputHasNoFile() throws {
        try NPYFile.write(Tensor([false], shape: []), to: scratch + "/c.npy")
        try NPYFile.write(Tensor([1, 2] as [Float], shape: [2]), to: scratch + "/x.npy")
        let out = scratch + "/out"
        try strata(["run", Self.folder + "/if_optional.onnx", "--input", scratch + "/c.npy", "--input", scratch + "/x.npy",
                    "--out", out, "--quiet"])
        let rows = try XCTUnwrap(try manifest(in: out)["activations"] as? [[String: Any]])
        let maybe = try XCTUnwrap(rows.first { $0["tensor"] as? String == "maybe" })
        XCTAssertEqual(maybe["optional"] as? String, "empty")
        XCTAssertNil(maybe["file"])
        XCTAssertEqual(folderContents(out).sorted(), ["has.npy", "manifest.json", "unwrap.npy"])
    }

    func testSequenceInputGivenAFileIsRefusedNamingTheInput() throws {
        try NPYFile.write(Tensor([1, 2, 3] as [Float], shape: [1, 3]), to: scratch + "/one.npy")
        try NPYFile.write(Tensor([1, 2, 3] as [Float], shape: [3]), to: scratch + "/bias.npy")
        let message = strataError(["run", Self.folder + "/sequence_map.onnx", "--input", "xs=" + scratch + "/one.npy",
                                   "--input", "bias=" + scratch + "/bias.npy", "--out", scratch + "/out", "--quiet"])
        XCTAssertEqual(message, Self.folder + "/sequence_map.onnx: input 'xs' is seq(float32[k, 3]): give a folder holding 0.npy, 1.npy, … "
                       + "(one file per element), not '\(scratch!)/one.npy'")
    }

    func testInspectShowsSequenceAndOptionalTypes() throws {
        let map = try strata(["inspect", Self.folder + "/sequence_map.onnx"]).output
        XCTAssertTrue(map.contains("seq(float32[k, 3])"), map)
        let optional = try strata(["inspect", Self.folder + "/if_optional.onnx"]).output
        XCTAssertTrue(optional.contains("optional(float32[2])"), optional)
    }
}

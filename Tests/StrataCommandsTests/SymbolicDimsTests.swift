import Foundation
import StrataCore
import StrataEngine
import StrataExport
import Synchronization
import XCTest
@testable import StrataCommands

/// Dims read as onnxruntime reads them (`Fixtures/onnx/symbolic-dims.onnx`): `?` and -1 are each an
/// unknown of their own, a shared name is a hint whose disagreement is a notice, not an error.
final class SymbolicDimsTests: CommandTestCase {
    static let model = root + "/Fixtures/onnx/symbolic-dims.onnx"
    static let reference = root + "/Fixtures/onnx/symbolic-dims.reference"

    func testAnonymousDimsAreUnknownsOfTheirOwn() throws {
        let model = try ModelLoader.load(Self.model)
        let x = try XCTUnwrap(model.graph.inputs.first { $0.name == "x" })
        XCTAssertEqual(x.type.shape, [.anonymous, .known(3), .anonymous, .anonymous])
    }

    func testDisagreeingSharedNameRunsWithANoticeAndMatchesOnnxruntime() throws {
        let model = try ModelLoader.load(Self.model)
        let notices = Mutex<[String]>([])
        let engine = try Engine(model: model, options: EngineOptions(threads: 1, notice: { text in
            notices.withLock { $0.append(text) }
        }))
        var inputs: [String: Tensor] = [:]
        for name in ["x", "s", "t"] { inputs[name] = try NPYFile.read(Self.reference + "/\(name).npy") }
        let outputs = try engine.run(inputs: inputs, tensors: ["pooled", "s_sum", "t_neg"])
        for name in ["pooled", "s_sum", "t_neg"] {
            let want = try NPYFile.read(Self.reference + "/\(name).npy")
            let got = try XCTUnwrap(outputs[name], name)
            XCTAssertEqual(got.shape, want.shape, name)
            for (a, b) in zip(got.floats(), want.floats()) where abs(a - b) > 1e-5 + 1e-4 * abs(b) {
                XCTFail("\(name): \(a) vs \(b)")
                break
            }
        }
        // A second run gives no second notice.
        _ = try engine.run(inputs: inputs, tensors: ["t_neg"])
        XCTAssertEqual(notices.withLock { $0 }, [
            Self.model + ": dimension 'N' is 2 in input 's' and 3 in input 't'; a shared name is only a hint, so each input keeps its size",
        ])
    }

    func testRunCommandPrintsTheNotice() throws {
        let out = scratch + "/acts"
        let console = try strata(["run", Self.model, "--input", "x=" + Self.reference + "/x.npy",
                                  "--input", "s=" + Self.reference + "/s.npy", "--input", "t=" + Self.reference + "/t.npy",
                                  "--out", out])
        XCTAssertTrue(console.errors.contains("strata: note: \(Self.model): dimension 'N' is 2 in input 's' and 3 in input 't'"),
                      console.errors)
        let activations = try XCTUnwrap(try manifest(in: out)["activations"] as? [[String: Any]])
        XCTAssertEqual(activations.compactMap { $0["shape"] as? [Int] }, [[1, 4], [2], [3]])
    }
}

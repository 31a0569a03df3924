import StrataCore
import StrataExport
import StrataTestSupport
import XCTest
@testable import StrataCommands

/// `--max-iterations`: the most iterations one ONNX Loop may run, for every command that loads a model.
final class LoopLimitCommandTests: CommandTestCase {
    static let loop = root + "/Fixtures/ops/control-flow/loop_m_only.onnx"

    /// The fixture's inputs with trip count `m` (its body runs `m` times; onnxruntime's outputs for
    /// m = 6 are in the fixture's JSON).
    private func inputs(m: Int64) throws -> [String] {
        var arguments: [String] = []
        let values: [(String, Tensor)] = [
            ("x", Tensor([Float(1.5), 1.75, 2.25], shape: [3])), ("acc0", Tensor([Float(0.5), 0.25, 0.75], shape: [3])),
            ("s", Tensor([Float(0.3)], shape: [])), ("limit", Tensor([Float(1e6)], shape: [])), ("m", Tensor([m], shape: [])),
        ]
        for (name, tensor) in values {
            let path = scratch + "/\(name).npy"
            try NPYFile.write(tensor, to: path)
            arguments += ["--input", "\(name)=\(path)"]
        }
        return arguments
    }

    func testATripCountAboveTheLimitIsRefusedAndTheOptionRaisesIt() throws {
        let arguments = ["run", Self.loop] + (try inputs(m: 6)) + ["--out", scratch + "/out", "--quiet"]
        let message = try XCTUnwrap(strataError(arguments + ["--max-iterations", "5"]))
        XCTAssert(message.contains("the trip count 6 is above the 5 iterations Strata runs"), message)
        XCTAssert(message.contains("--max-iterations"), message)
        XCTAssertEqual(IterationLimit.iterations, IterationLimit.defaultIterations, "the limit is restored after the command")
        try strata(arguments + ["--max-iterations", "6"])
        XCTAssertEqual(folderContents(scratch + "/out").contains("manifest.json"), true)
    }

    func testTheDefaultLimitRefusesAHugeTripCount() throws {
        let arguments = ["run", Self.loop] + (try inputs(m: Int64(IterationLimit.defaultIterations) + 1)) + ["--out", scratch + "/out", "--quiet"]
        let message = try XCTUnwrap(strataError(arguments))
        XCTAssert(message.contains("is above the \(IterationLimit.defaultIterations) iterations"), message)
    }

    func testANonPositiveLimitIsAUsageError() {
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["run", Self.loop, "--max-iterations", "0", "--out", "x"]))
    }
}

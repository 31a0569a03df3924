import Foundation
import XCTest
import StrataCore
import StrataONNX
@testable import StrataEngine

/// If, Loop and Scan against onnxruntime: every model in `Fixtures/ops/control-flow`
/// (`Tools/make-control-flow-fixtures.py`: bodies reading outer values, a nested If, loops with and
/// without a trip count or condition that stop early or run zero times, scans over other axes and
/// in reverse) is imported and run on each of its input sets; every output must match
/// onnxruntime's with the node suite's tolerances (|got − want| ≤ 1e-5 + 1e-3·|want|).
final class ControlFlowReferenceTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/ops/control-flow")

    private static func tensor(_ value: JSONValue) throws -> Tensor {
        let shape = try XCTUnwrap(value["shape"]?.array).map { try XCTUnwrap($0.int) }
        let values = try XCTUnwrap(value["values"]?.array).map { v -> Double in
            if case .bool(let b) = v { return b ? 1 : 0 }
            return try XCTUnwrap(v.double)
        }
        switch value["dtype"]?.string {
        case "float32": return Tensor(values.map { Float($0) }, shape: shape)
        case "int64": return Tensor(values.map { Int64($0) }, shape: shape)
        case "bool": return Tensor(values.map { $0 != 0 }, shape: shape)
        case let other: throw StrataError(.invalidInput, "unexpected dtype \(other ?? "nil")")
        }
    }

    private func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let json = Self.folder.appendingPathComponent(name + ".json")
        let document = try JSONValue.parse(try Data(contentsOf: json), file: json.path)
        let model = try ONNXImporter.load(path: Self.folder.appendingPathComponent(name + ".onnx").path)
        let engine = try Engine(model: model, options: EngineOptions(threads: 1))
        let runs = try XCTUnwrap(document["runs"]?.array)
        XCTAssertFalse(runs.isEmpty)
        for (r, run) in runs.enumerated() {
            let inputs = try Dictionary(uniqueKeysWithValues: XCTUnwrap(run["inputs"]?.members).map { ($0.0, try Self.tensor($0.1)) })
            let want = try XCTUnwrap(run["outputs"]?.members).map { ($0.0, try Self.tensor($0.1)) }
            let got = try engine.run(inputs: inputs, tensors: want.map(\.0))
            for (output, w) in want {
                let g = try XCTUnwrap(got[output], "\(name) run \(r): no '\(output)'")
                XCTAssertEqual(g.shape, w.shape, "\(name) run \(r) '\(output)' shape", file: file, line: line)
                XCTAssertEqual(g.dtype, w.dtype, "\(name) run \(r) '\(output)' dtype", file: file, line: line)
                guard g.shape == w.shape else { continue }
                let bad = (0..<g.count).filter { abs(g.doubleValue(at: $0) - w.doubleValue(at: $0)) > 1e-5 + 1e-3 * abs(w.doubleValue(at: $0)) }
                XCTAssertEqual(bad.count, 0, "\(name) run \(r) '\(output)': \(bad.count) of \(g.count) differ, first at "
                               + "\(bad.first.map { "\($0): \(g.doubleValue(at: $0)) vs \(w.doubleValue(at: $0))" } ?? "")",
                               file: file, line: line)
            }
        }
    }

    func testIfWithNestedIfAndOuterValues() throws { try check("if_nested") }
    func testLoopWithTripCountAndCondition() throws { try check("loop_m_cond") }
    func testLoopWithConditionOnly() throws { try check("loop_cond_only") }
    func testLoopWithTripCountOnly() throws { try check("loop_m_only") }
    func testScan() throws { try check("scan_plain") }
    func testScanAxesAndDirections() throws { try check("scan_axes_directions") }
    func testScanNegativeAxes() throws { try check("scan_negative_axes") }
}

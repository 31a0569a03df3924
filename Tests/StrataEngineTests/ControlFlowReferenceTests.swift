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

    static func tensor(_ value: JSONValue) throws -> Tensor {
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

/// Capture by name inside bodies: a Loop body tensor is captured once per iteration, stacked
/// along a new first axis when every iteration has its shape, one row per iteration otherwise;
/// an If branch's tensor once. Checked against onnxruntime's outputs that hold the same values.
final class ControlFlowCaptureTests: XCTestCase {
    private func load(_ name: String) throws -> (Engine, [JSONValue]) {
        let folder = ControlFlowReferenceTests.folder
        let json = folder.appendingPathComponent(name + ".json")
        let document = try JSONValue.parse(try Data(contentsOf: json), file: json.path)
        let model = try ONNXImporter.load(path: folder.appendingPathComponent(name + ".onnx").path)
        return (try Engine(model: model, options: EngineOptions(threads: 1)), try XCTUnwrap(document["runs"]?.array))
    }

    private func tensors(_ value: JSONValue?) throws -> [String: Tensor] {
        try Dictionary(uniqueKeysWithValues: XCTUnwrap(value?.members).map { ($0.0, try ControlFlowReferenceTests.tensor($0.1)) })
    }

    private func capture(_ engine: Engine, _ inputs: [String: Tensor], _ selectors: [LayerSelector]) throws -> [(LayerOutput, Tensor)] {
        var rows: [(LayerOutput, Tensor)] = []
        try engine.run(inputs: inputs, capture: try engine.model.graph.resolve(selectors)) { rows.append(($0, $1)) }
        return rows
    }

    func testLoopBodyTensorIsStackedOverIterations() throws {
        let (engine, runs) = try load("loop_m_cond")
        for run in runs {
            let want = try XCTUnwrap(tensors(run["outputs"])["scans"])
            let rows = try capture(engine, try tensors(run["inputs"]), [.name("scan_mul")])
            guard want.shape[0] > 0 else {
                XCTAssertTrue(rows.isEmpty, "a body that never ran captures nothing")
                continue
            }
            XCTAssertEqual(rows.count, 1)
            let (row, got) = try XCTUnwrap(rows.first)
            XCTAssertEqual(row.iterations, want.shape[0])
            XCTAssertNil(row.iteration)
            XCTAssertEqual(got.shape, want.shape)
            XCTAssertEqual(got.floats(), want.floats())
        }
    }

    func testLoopBodyTensorWhoseShapeChangesIsOneRowPerIteration() throws {
        let (engine, runs) = try load("loop_growing")
        let run = try XCTUnwrap(runs.first)
        let final = try XCTUnwrap(tensors(run["outputs"])["seq_final"]).floats()
        let rows = try capture(engine, try tensors(run["inputs"]), [.glob("grow_con*")])
        XCTAssertEqual(rows.count, 4)
        for (i, (row, got)) in rows.enumerated() {
            XCTAssertEqual(row.iterations, 4)
            XCTAssertEqual(row.iteration, i)
            XCTAssertEqual(got.floats(), Array(final.prefix(3 + i)), "iteration \(i)")
        }
    }

    func testIfBranchTensorIsCapturedOnce() throws {
        let (engine, runs) = try load("if_nested")
        for run in runs {
            let inputs = try tensors(run["inputs"])
            let want = try XCTUnwrap(tensors(run["outputs"])["out"]).floats()
            let rows = try capture(engine, inputs, [.name("then_add"), .name("else_add")])
            XCTAssertEqual(rows.count, 1, "only the branch that ran")
            let (row, got) = try XCTUnwrap(rows.first)
            XCTAssertEqual(row.layer, inputs["c"]!.doubleValue(at: 0) != 0 ? "then_add" : "else_add")
            XCTAssertNil(row.iterations)
            XCTAssertEqual(got.floats().map { max($0, 0) }, want)
        }
    }
}

import Foundation
import XCTest
import StrataCore
import StrataONNX
@testable import StrataEngine

/// Sequence and optional values against onnxruntime: every model in `Fixtures/ops/sequence`
/// (`Tools/make-sequence-fixtures.py`: SplitToSequence with sizes, a scalar and no split,
/// SequenceErase/Insert/At/Length, ConcatFromSequence with and without new_axis, SequenceMap over a
/// sequence and a tensor with an outer value, a Loop carrying a sequence, an If giving an optional)
/// is run on each of its input sets; every output, sequences element by element and optionals by
/// whether they hold a value, must match onnxruntime's within the node suite's tolerances.
final class SequenceReferenceTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/ops/sequence")

    /// A JSON value of the fixture: a tensor, `{"sequence": [...], "dtype"}` or `{"optional": v|null}`.
    static func value(_ json: JSONValue) throws -> Value? {
        if let elements = json["sequence"]?.array {
            let dtype = try XCTUnwrap(DType(rawValue: try XCTUnwrap(json["dtype"]?.string)))
            return .sequence(try TensorSequence(dtype: dtype, elements: try elements.map { try ControlFlowReferenceTests.tensor($0) }))
        }
        if let held = json["optional"] {
            if case .null = held { return nil }
            return try value(held)
        }
        return .tensor(try ControlFlowReferenceTests.tensor(json))
    }

    private func assertMatches(_ got: Tensor, _ want: Tensor, _ what: String, file: StaticString, line: UInt) {
        XCTAssertEqual(got.shape, want.shape, "\(what) shape", file: file, line: line)
        XCTAssertEqual(got.dtype, want.dtype, "\(what) dtype", file: file, line: line)
        guard got.shape == want.shape else { return }
        let bad = (0..<got.count).filter { abs(got.doubleValue(at: $0) - want.doubleValue(at: $0)) > 1e-5 + 1e-3 * abs(want.doubleValue(at: $0)) }
        XCTAssertEqual(bad.count, 0, "\(what): \(bad.count) of \(got.count) differ", file: file, line: line)
    }

    /// Runs the model `name` of `folder` (written again by the ONNX exporter and imported from
    /// those bytes when `reexported`) on every input set of its JSON and compares each output.
    func check(_ name: String, in folder: URL = SequenceReferenceTests.folder, reexported: Bool = false,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let json = folder.appendingPathComponent(name + ".json")
        let document = try JSONValue.parse(try Data(contentsOf: json), file: json.path)
        let path = folder.appendingPathComponent(name + ".onnx").path
        var model = try ONNXImporter.load(path: path)
        if reexported {
            let opset = max(13, try XCTUnwrap(document["opset"]?.int))
            let encoded = try ONNXExporter.encode(model, options: ExportOptions(opset: opset))
            XCTAssertNil(encoded.externalData)
            model = try ONNXImporter.load(data: encoded.model, path: path)
        }
        let engine = try Engine(model: model, options: EngineOptions(threads: 1))
        let runs = try XCTUnwrap(document["runs"]?.array)
        XCTAssertFalse(runs.isEmpty)
        for (r, run) in runs.enumerated() {
            var inputs: [String: Value] = [:]
            for (input, value) in try XCTUnwrap(run["inputs"]?.members) { inputs[input] = try Self.value(value) }
            let want = try XCTUnwrap(run["outputs"]?.members)
            var got: [String: Value] = [:]
            try engine.run(values: inputs, capture: try engine.captureRows(for: want.map(\.0))) { row, value in got[row.tensor] = value }
            for (output, json) in want {
                let what = "\(name) run \(r) '\(output)'"
                let expected = try Self.value(json)
                let value = try XCTUnwrap(got[output], "\(what): no value")
                switch (value, expected) {
                case (.optional(nil, _), nil):
                    continue
                case (.optional(let held?, _), let w?):
                    guard case .tensor(let g) = held, case .tensor(let t) = w else { return XCTFail("\(what): kinds differ", file: file, line: line) }
                    assertMatches(g, t, what, file: file, line: line)
                case (.tensor(let g), .tensor(let w)?):
                    assertMatches(g, w, what, file: file, line: line)
                case (.sequence(let g), .sequence(let w)?):
                    XCTAssertEqual(g.count, w.count, "\(what) length", file: file, line: line)
                    XCTAssertEqual(g.dtype, w.dtype, "\(what) dtype", file: file, line: line)
                    for (k, (a, b)) in zip(g.elements, w.elements).enumerated() { assertMatches(a, b, "\(what)[\(k)]", file: file, line: line) }
                default:
                    XCTFail("\(what): got \(value.type), expected \(expected.map { "\($0.type)" } ?? "an empty optional")", file: file, line: line)
                }
            }
        }
    }

    func testSplitEraseInsertConcatLengthAt() throws { try check("split_edit_concat") }
    func testSplitByScalarAndStackOnNewAxis() throws { try check("split_stack") }
    func testSequenceMapWithTensorInputAndOuterValue() throws { try check("sequence_map") }
    func testLoopCarryingSequence() throws { try check("loop_sequence") }
    func testIfGivingOptional() throws { try check("if_optional") }

    /// Every sequence and control-flow fixture written by the ONNX exporter (bodies as graph
    /// attributes, sequence and optional types, `Optional`'s type attribute) and imported again
    /// gives onnxruntime's outputs. `Tools/test-control-flow.py` checks that onnxruntime runs the
    /// written files too.
    func testExportedBodiesAndSequenceTypesRoundTrip() throws {
        for name in ["split_edit_concat", "split_stack", "sequence_map", "loop_sequence", "if_optional"] {
            try check(name, reexported: true)
        }
        for name in ["if_nested", "loop_m_cond", "loop_cond_only", "loop_m_only", "loop_growing", "scan_plain",
                     "scan_axes_directions", "scan_negative_axes"] {
            try check(name, in: ControlFlowReferenceTests.folder, reexported: true)
        }
    }
}

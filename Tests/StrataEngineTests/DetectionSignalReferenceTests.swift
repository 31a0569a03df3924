import Foundation
import StrataTestSupport
import XCTest
import StrataCore
@testable import StrataEngine

/// NonMaxSuppression, RoiAlign, MaxUnpool, Unique, DFT, STFT, MelWeightMatrix, TensorScatter,
/// DeformConv, RotaryEmbedding and Attention against onnxruntime: every case of `Fixtures/ops/reference.json`
/// (`Tools/make-ops-fixtures.py`, seeded inputs and onnxruntime's outputs) runs through the kernel
/// with the node suite's tolerances (|got − want| ≤ 1e-5 + 1e-3·|want|; integers exactly), except that
/// for DFT and STFT the 1e-5 is relative to the largest |want|: onnxruntime transforms in float32, whose
/// rounding scales with the spectrum, so values that are exactly 0 come out near 1e-5 there.
final class DetectionSignalReferenceTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: FixtureRoot.path("ops/reference.json"))

    private static func cases() throws -> [JSONValue] {
        let document = try JSONValue.parse(try Data(contentsOf: fixture), file: fixture.path)
        return try XCTUnwrap(document["cases"]?.array)
    }

    private static func tensor(_ value: JSONValue) throws -> Tensor {
        let shape = try XCTUnwrap(value["shape"]?.array).map { try XCTUnwrap($0.int) }
        let values = try XCTUnwrap(value["values"]?.array).map { try XCTUnwrap($0.double) }
        switch value["dtype"]?.string {
        case "float32": return Tensor(values.map { Float($0) }, shape: shape)
        case "int64": return Tensor(values.map { Int64($0) }, shape: shape)
        case "int32": return Tensor(values.map { Int32($0) }, shape: shape)
        case "bool": return Tensor(values.map { $0 != 0 }, shape: shape)
        case let other:
            let t = try Tensor(dtype: .float64, shape: shape)
            XCTAssertEqual(other, "float64")
            for (i, v) in values.enumerated() { t.pointer(as: Double.self)[i] = v }
            return t
        }
    }

    private static func attribute(_ value: JSONValue) throws -> Attribute {
        switch value {
        case .int(let i): return .int(i)
        case .double(let d): return .float(Float(d))
        case .string(let s): return .string(s)
        case .array(let items): return .ints(try items.map { try XCTUnwrap($0.int) })
        default: throw StrataError(.invalidInput, "unexpected attribute \(value)")
        }
    }

    private func check(_ prefix: String) throws {
        let cases = try Self.cases().filter { $0["name"]?.string?.hasPrefix(prefix) == true }
        XCTAssertFalse(cases.isEmpty, "no cases named \(prefix)*")
        for item in cases {
            let name = try XCTUnwrap(item["name"]?.string)
            let inputs = try XCTUnwrap(item["inputs"]?.array).map { $0.isNull ? nil : try Self.tensor($0) }
            let want = try XCTUnwrap(item["outputs"]?.array).map { try Self.tensor($0) }
            let attributes = try Dictionary(uniqueKeysWithValues: XCTUnwrap(item["attributes"]?.members).map { ($0.0, try Self.attribute($0.1)) })
            let op = try XCTUnwrap(item["op"]?.string)
            let got = try runLinearKernel(op, inputs: inputs, outputs: want.count,
                                          attributes: attributes, opset: try XCTUnwrap(item["opset"]?.int))
            XCTAssertGreaterThanOrEqual(got.count, want.count, name)
            for (k, (g, w)) in zip(got, want).enumerated() {
                XCTAssertEqual(g.shape, w.shape, "\(name) output \(k) shape")
                XCTAssertEqual(g.dtype, w.dtype, "\(name) output \(k) dtype")
                guard g.shape == w.shape else { continue }
                let (gv, wv) = ((0..<g.count).map { g.doubleValue(at: $0) }, (0..<w.count).map { w.doubleValue(at: $0) })
                let atol = ["DFT", "STFT"].contains(op) ? 1e-5 * Swift.max(1, wv.map(abs).max() ?? 0) : 1e-5
                let bad = gv.indices.filter { w.dtype.isFloatingPoint ? abs(gv[$0] - wv[$0]) > atol + 1e-3 * abs(wv[$0]) : gv[$0] != wv[$0] }
                XCTAssertEqual(bad.count, 0, "\(name) output \(k): \(bad.count) of \(gv.count) differ, first at "
                               + "\(bad.first.map { "\($0): \(gv[$0]) vs \(wv[$0])" } ?? "")")
            }
        }
    }

    func testNonMaxSuppressionMatchesOnnxruntime() throws { try check("nms_") }
    func testRoiAlignMatchesOnnxruntime() throws { try check("roialign_") }
    func testMaxUnpoolMatchesOnnxruntime() throws { try check("maxunpool") }
    func testUniqueMatchesOnnxruntime() throws { try check("unique_") }
    func testDFTMatchesOnnxruntime() throws { try check("dft") }
    func testSTFTMatchesOnnxruntime() throws { try check("stft_") }
    func testMelWeightMatrixMatchesOnnxruntime() throws { try check("mel_") }
    func testTensorScatterMatchesOnnxruntime() throws { try check("tensorscatter_") }
    func testDeformConvMatchesOnnxruntime() throws { try check("deformconv_") }
    func testRotaryEmbeddingMatchesOnnxruntime() throws { try check("rotary_") }
    func testAttentionMatchesOnnxruntime() throws { try check("attention_") }

    /// Bad attributes and inputs are located errors, not crashes.
    func testBadInputsAreLocatedErrors() throws {
        let boxes = Tensor([Float](repeating: 0, count: 8), shape: [1, 2, 4])
        XCTAssertThrowsError(try runLinearKernel("NonMaxSuppression", inputs: [boxes, Tensor([Float](repeating: 0, count: 3), shape: [1, 1, 3])]))
        XCTAssertThrowsError(try runLinearKernel("RoiAlign", inputs: [Tensor([Float](repeating: 0, count: 4), shape: [1, 1, 2, 2]),
                                                                 Tensor([Float](repeating: 0, count: 4), shape: [1, 4]),
                                                                 Tensor([Int64(3)], shape: [1])]))
        XCTAssertThrowsError(try runLinearKernel("MaxUnpool", inputs: [Tensor([Float](repeating: 1, count: 4), shape: [1, 1, 2, 2]),
                                                                  Tensor([Int64](repeating: 99, count: 4), shape: [1, 1, 2, 2])],
                                                 attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]))
        XCTAssertThrowsError(try runLinearKernel("Unique", inputs: [Tensor([Float](repeating: 1, count: 4), shape: [2, 2])],
                                                 attributes: ["axis": .int(2)]))
        XCTAssertThrowsError(try runLinearKernel("DFT", inputs: [Tensor([Float](repeating: 1, count: 8), shape: [2, 4]), nil,
                                                            Tensor([Int64(-1)], shape: [])]))
        XCTAssertThrowsError(try runLinearKernel("DFT", inputs: [Tensor([Float](repeating: 1, count: 8), shape: [4, 2]),
                                                            Tensor([Int64(0)], shape: [])]))
        XCTAssertThrowsError(try runLinearKernel("STFT", inputs: [Tensor([Float](repeating: 1, count: 8), shape: [1, 8, 1]),
                                                             Tensor([Int64(2)], shape: []), nil, Tensor([Int64(9)], shape: [])]))
        XCTAssertThrowsError(try runLinearKernel("TensorScatter", inputs: [Tensor([Float](repeating: 1, count: 8), shape: [2, 4]),
                                                                      Tensor([Float](repeating: 1, count: 4), shape: [2, 2]),
                                                                      Tensor([Int64(0), Int64(3)], shape: [2])], opset: 24))
        XCTAssertThrowsError(try runLinearKernel("DeformConv", inputs: [Tensor([Float](repeating: 1, count: 8), shape: [1, 2, 4]),
                                                                   Tensor([Float](repeating: 1, count: 4), shape: [2, 2, 1]),
                                                                   Tensor([Float](repeating: 0, count: 8), shape: [1, 2, 4])]))
    }
}

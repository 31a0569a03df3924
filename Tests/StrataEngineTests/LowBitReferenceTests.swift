import Foundation
import XCTest
import StrataCore
import StrataONNX
import StrataTestSupport
@testable import StrataEngine

/// The low-bit dtypes (float8e4m3fn, float8e5m2, their FNUZ variants, float4e2m1, int4, uint4, int2, uint2) against
/// `Fixtures/ops/lowbit.json` and `lowbit.onnx` (`Tools/make-lowbit-fixtures.py`): every bit
/// pattern's value and the conversion of awkward floats as ml_dtypes and onnx's saturate_cast give
/// them; packed initializers imported, dequantized and a float input quantized (float8 with and
/// without saturation) as onnx's ReferenceEvaluator computes them; the export packing what the
/// import unpacked.
final class LowBitReferenceTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/ops")

    private func document() throws -> JSONValue {
        let url = Self.folder.appendingPathComponent("lowbit.json")
        return try JSONValue.parse(try Data(contentsOf: url), file: url.path)
    }

    private func ints(_ value: JSONValue?) throws -> [Int] {
        try XCTUnwrap(value?.array).map { try XCTUnwrap($0.int) }
    }

    private static let formats: [(String, LowBitFloat)] = [("float8e4m3fn", .e4m3fn), ("float8e5m2", .e5m2), ("float4e2m1", .e2m1),
                                                           ("float8e4m3fnuz", .e4m3fnuz), ("float8e5m2fnuz", .e5m2fnuz)]

    func testEveryBitPatternHasMLDtypesValue() throws {
        let decode = try XCTUnwrap(try document()["decode"])
        for (name, format) in Self.formats {
            let bits = try ints(decode[name]?["bits"])
            let want = try ints(decode[name]?["values"])
            XCTAssertEqual(bits.count, name == "float4e2m1" ? 16 : 256)
            for (b, w) in zip(bits, want) {
                let got = format.value(UInt8(b))
                XCTAssertEqual(got.bitPattern, UInt32(w), "\(name) pattern \(b): \(got) vs \(Float(bitPattern: UInt32(w)))")
            }
        }
    }

    func testConversionRoundsAndSaturatesAsMLDtypesAndONNX() throws {
        let encode = try XCTUnwrap(try document()["encode"])
        let inputs = try ints(encode["inputs"]).map { Float(bitPattern: UInt32($0)) }
        XCTAssertGreaterThan(inputs.count, 100)
        for (name, format) in Self.formats {
            for (mode, saturate) in [("plain", false), ("saturate", true)] {
                let want = try ints(encode[name]?[mode])
                XCTAssertEqual(want.count, inputs.count)
                for (x, w) in zip(inputs, want) {
                    XCTAssertEqual(Int(format.bits(Double(x), saturate: saturate)), w, "\(name) \(mode) of \(x)")
                }
            }
        }
    }

    func testPackedInitializersAndQuantizeLinearMatchReferenceEvaluator() throws {
        let model = try ONNXImporter.load(path: Self.folder.appendingPathComponent("lowbit.onnx").path)
        XCTAssertEqual(model.graph.initializers["w_int4"]?.dtype, .int4)
        XCTAssertEqual(model.graph.initializers["w_uint2"]?.shape, [7])
        let engine = try Engine(model: model, options: EngineOptions(threads: 1))
        let runs = try XCTUnwrap(try document()["model"]?.array)
        XCTAssertEqual(runs.count, 2)
        for (r, run) in runs.enumerated() {
            let x = try XCTUnwrap(run["x"]?.array).map { Float(try XCTUnwrap($0.double)) }
            let outputs = try XCTUnwrap(run["outputs"]?.members)
            XCTAssertEqual(outputs.count, 22)
            let got = try engine.run(inputs: ["x": Tensor(x, shape: [7])], tensors: outputs.map(\.0))
            for (name, want) in outputs {
                let tensor = try XCTUnwrap(got[name], "no '\(name)'")
                if want["dtype"]?.string == "float32" {
                    // Float outputs (NaN and ±inf among them) compare as float32 bit patterns.
                    let bits = try ints(want["bits"])
                    XCTAssertEqual(tensor.count, bits.count)
                    for i in 0..<min(tensor.count, bits.count) {
                        let value = Float(tensor.doubleValue(at: i))
                        XCTAssertEqual(value.bitPattern, UInt32(bits[i]),
                                       "run \(r) '\(name)' [\(i)] (\(tensor.dtype.rawValue)): \(value) vs \(Float(bitPattern: UInt32(bits[i])))")
                    }
                } else {
                    XCTAssertEqual((0..<tensor.count).map { tensor.intValue(at: $0) }, try ints(want["values"]), "run \(r) '\(name)'")
                }
            }
        }
    }

    func testExportPacksWhatImportUnpacked() throws {
        let model = try ONNXImporter.load(path: Self.folder.appendingPathComponent("lowbit.onnx").path)
        let bytes = try ONNXExporter.encode(model).model
        let again = try ONNXImporter.load(data: bytes, path: "lowbit-exported.onnx")
        for (name, tensor) in model.graph.initializers {
            let other = try XCTUnwrap(again.graph.initializers[name], "'\(name)' lost")
            XCTAssertEqual(other.dtype, tensor.dtype, name)
            XCTAssertEqual(other.shape, tensor.shape, name)
            XCTAssertEqual((0..<tensor.count).map { other.intValue(at: $0) }, (0..<tensor.count).map { tensor.intValue(at: $0) }, name)
            let raw = { (t: Tensor) in Array(UnsafeRawBufferPointer(start: t.rawPointer, count: t.byteCount)) }
            XCTAssertEqual(raw(other), raw(tensor), name)
        }
    }

    func testQuantizeParametersOfLowBitTypesAreChecked() throws {
        func lowBit(_ dtype: DType, _ bits: [UInt8]) throws -> Tensor {
            let t = try Tensor(dtype: dtype, shape: [bits.count])
            for (i, b) in bits.enumerated() { t.rawPointer.storeBytes(of: b, toByteOffset: i, as: UInt8.self) }
            return t
        }
        let x = Tensor([1, 2] as [Float], shape: [2]), scale = Tensor.scalar(Float(2))
        func message(_ op: String, _ inputs: [Tensor?]) -> String? {
            do {
                _ = try OneNode.run(op, inputs, opset: 25)
                return nil
            } catch {
                return (error as? StrataError)?.message
            }
        }
        // 0x38 is 1.0 in float8e4m3fn and float8e5m2's 0x3C; float8 zero points must be zero.
        XCTAssertEqual(message("QuantizeLinear", [x, scale, try lowBit(.float8e4m3fn, [0x38])]),
                       "y_zero_point must be zero for float8e4m3fn outputs")
        XCTAssertEqual(message("DequantizeLinear", [try lowBit(.float8e5m2, [0, 1]), scale, try lowBit(.float8e5m2, [0x3C])]),
                       "x_zero_point must be zero for float8e5m2 inputs")
        XCTAssertEqual(message("DequantizeLinear", [try lowBit(.int4, [0, 1]), scale, try lowBit(.uint4, [0])]),
                       "x_zero_point has dtype uint4 but the quantized values are int4")
        XCTAssertEqual(message("DequantizeLinear", [try lowBit(.float4e2m1, [0, 1]), scale, try lowBit(.int2, [0])]),
                       "x_zero_point has dtype int2 but the quantized values are float4e2m1")
        XCTAssertNil(message("QuantizeLinear", [x, scale, try lowBit(.float8e4m3fn, [0x80])]), "-0 is a zero point of zero")
    }

    /// Cast to and from low-bit types, against ml_dtypes 0.7's `astype` (the values in the comments'
    /// arrays were printed by it) and ONNX's saturating float8 rule.
    func testCastToAndFromLowBitTypesAsMLDtypes() throws {
        let floats = Tensor([-20, -9, -8.5, -8, -7.5, -0.5, 0.5, 1.5, 2.5, 7, 7.5, 8, 9, 15, 16, .nan, .infinity, 300] as [Float], shape: [18])
        XCTAssertEqual(try floats.converted(to: .int4).ints(), [0, 0, -8, -8, -7, 0, 0, 1, 2, 7, 7, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try floats.converted(to: .uint4).ints(), [0, 0, 0, 0, 0, 0, 0, 1, 2, 7, 7, 8, 9, 15, 0, 0, 0, 0])
        XCTAssertEqual(try floats.converted(to: .int2).ints(), [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try floats.converted(to: .uint2).ints(), [0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        let ints = Tensor([-129, -9, -2, -1, 0, 1, 2, 3, 5, 200, (1 << 40) + 7] as [Int64], shape: [11])
        XCTAssertEqual(try ints.converted(to: .int4).ints(), [-1, 7, -2, -1, 0, 1, 2, 3, 5, -8, 7])
        XCTAssertEqual(try ints.converted(to: .uint4).ints(), [15, 7, 14, 15, 0, 1, 2, 3, 5, 8, 7])
        XCTAssertEqual(try ints.converted(to: .int2).ints(), [-1, -1, -2, -1, 0, 1, -2, -1, 1, 0, -1])
        XCTAssertEqual(try ints.converted(to: .uint2).ints(), [3, 3, 2, 3, 0, 1, 2, 3, 1, 0, 3])
        let e4m3 = try Tensor([0.46875, 448, -448, 3.5, 240, -0.0] as [Float], shape: [6]).converted(to: .float8e4m3fn)
        XCTAssertEqual(try e4m3.converted(to: .int32).ints(), [0, 448, -448, 3, 240, 0])
        XCTAssertEqual(try e4m3.converted(to: .float8e5m2).floats(), [0.5, 448, -448, 3.5, 256, -0.0])
        let e5m2 = try Tensor([57344, 1000, -30000] as [Float], shape: [3]).converted(to: .float8e5m2)
        XCTAssertEqual(try e5m2.converted(to: .float8e4m3fn).floats(), [448, 448, -448], "saturating, Cast's default")
        XCTAssertTrue(try e5m2.converted(to: .float8e4m3fn, saturate: false).floats().allSatisfy(\.isNaN), "as ml_dtypes")
        let int4 = try Tensor([-8, 7, 3, -1] as [Int64], shape: [4]).converted(to: .int4)
        XCTAssertEqual(try int4.converted(to: .float8e4m3fn).floats(), [-8, 7, 3, -1])
        XCTAssertEqual(try int4.converted(to: .uint2).ints(), [0, 3, 3, 3])
        XCTAssertEqual(try int4.converted(to: .float16).floats(), [-8, 7, 3, -1])
        let small = try Tensor([3.5, -7.5, 10, 448] as [Float], shape: [4]).converted(to: .float8e4m3fn)
        XCTAssertEqual(try small.converted(to: .int4).ints(), [3, -7, 0, 0])
        XCTAssertEqual(try Tensor([true, false, true], shape: [3]).converted(to: .int2).ints(), [1, 0, 1])
    }

    func testOtherOpsRefuseLowBitTypesWhenTheEngineIsBuilt() throws {
        let graph = Graph(nodes: [Node(name: "neg", opType: "Neg", inputs: ["x"], outputs: ["y"])],
                          inputs: [ValueInfo(name: "x", type: ValueType(.int4, concrete: [3]))],
                          outputs: [ValueInfo(name: "y", type: ValueType(.int4, concrete: [3]))])
        let model = Model(graph: graph, format: .onnx, path: "", layout: .nchw)
        XCTAssertThrowsError(try Engine(model: model, options: EngineOptions(threads: 1))) { error in
            XCTAssertEqual((error as? StrataError)?.kind, .unsupported)
            XCTAssertTrue("\(error)".contains("'x' is int4; only QuantizeLinear, DequantizeLinear, Cast, CastLike and BitCast take low-bit types"), "\(error)")
            XCTAssertTrue("\(error)".contains("neg"), "\(error)")
        }
    }
}

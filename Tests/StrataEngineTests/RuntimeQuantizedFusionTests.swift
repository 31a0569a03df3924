import Foundation
import XCTest
import StrataCore
@testable import StrataEngine

/// QDQ patterns run as onnxruntime's integer ops (`QuantizedPattern`): every case of
/// `Fixtures/ops/qdq-fusion.json` (`Tools/make-qdq-fusion-fixtures.py`: small QDQ graphs, onnxruntime's
/// output with its default session options, which fuse, and with optimisations off) runs through the
/// engine. Where onnxruntime fuses, Strata forms one quantized group and its output equals
/// onnxruntime's fused output exactly (integers; a float QGemm output to float32 rounding), also in
/// the cases seeded so that the float op and the integer op differ, and where the activation's
/// `DequantizeLinear` is also read after the pattern (it then runs for that reader); where
/// onnxruntime does not fuse, Strata forms none.
final class RuntimeQuantizedFusionTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/ops/qdq-fusion.json")

    private struct Case {
        let name: String
        let graph: Graph
        let inputs: [String: Tensor]
        let output: String
        let fuses: Bool
        let differing: Int
        let fused: Tensor
        let unfused: Tensor
    }

    private static func cases() throws -> [Case] {
        let document = try JSONValue.parse(try Data(contentsOf: fixture), file: fixture.path)
        return try XCTUnwrap(document["cases"]?.array).map { item in
            let nodes = try XCTUnwrap(item["nodes"]?.array).map { n in
                Node(name: try XCTUnwrap(n["name"]?.string), opType: try XCTUnwrap(n["op"]?.string), opset: 21,
                     inputs: try XCTUnwrap(n["inputs"]?.array).map { try XCTUnwrap($0.string) },
                     outputs: try XCTUnwrap(n["outputs"]?.array).map { try XCTUnwrap($0.string) },
                     attributes: Dictionary(uniqueKeysWithValues: try XCTUnwrap(n["attributes"]?.members).map { ($0.0, try attribute($0.1)) }))
            }
            let initializers = Dictionary(uniqueKeysWithValues: try XCTUnwrap(item["initializers"]?.members).map { ($0.0, try tensor($0.1)) })
            let inputs = Dictionary(uniqueKeysWithValues: try XCTUnwrap(item["inputs"]?.members).map { ($0.0, try tensor($0.1)) })
            let output = try XCTUnwrap(item["output"]?.string)
            let graph = Graph(name: try XCTUnwrap(item["name"]?.string), nodes: nodes,
                              inputs: inputs.keys.sorted().map { ValueInfo(name: $0, type: inputs[$0]!.type) },
                              outputs: [ValueInfo(name: output, type: ValueType(.float32, nil))], initializers: initializers)
            return Case(name: graph.name, graph: graph, inputs: inputs, output: output, fuses: try XCTUnwrap(item["fuses"]?.bool),
                        differing: try XCTUnwrap(item["differing"]?.int), fused: try tensor(try XCTUnwrap(item["fused"])),
                        unfused: try tensor(try XCTUnwrap(item["unfused"])))
        }
    }

    private static func tensor(_ value: JSONValue) throws -> Tensor {
        let shape = try XCTUnwrap(value["shape"]?.array).map { try XCTUnwrap($0.int) }
        let values = try XCTUnwrap(value["values"]?.array).map { try XCTUnwrap($0.double) }
        let dtype = try XCTUnwrap(DType(rawValue: try XCTUnwrap(value["dtype"]?.string)))
        let t = try Tensor(dtype: dtype, shape: shape)
        for (i, v) in values.enumerated() {
            switch dtype {
            case .float32: t.pointer(as: Float.self)[i] = Float(v)
            case .uint8: t.pointer(as: UInt8.self)[i] = UInt8(v)
            case .int8: t.pointer(as: Int8.self)[i] = Int8(v)
            case .uint16: t.pointer(as: UInt16.self)[i] = UInt16(v)
            case .int32: t.pointer(as: Int32.self)[i] = Int32(v)
            default: XCTFail("unexpected dtype \(dtype)")
            }
        }
        return t
    }

    private static func attribute(_ value: JSONValue) throws -> Attribute {
        switch value {
        case .int(let i): return .int(i)
        case .double(let d): return .float(Float(d))
        case .array(let items): return .ints(try items.map { try XCTUnwrap($0.int) })
        default: throw StrataError(.invalidInput, "unexpected attribute \(value)")
        }
    }

    private static func engine(_ c: Case, fusion: Bool = true) throws -> Engine {
        try Engine(model: Model(graph: c.graph, format: .onnx, path: "", layout: .nchw), options: EngineOptions(threads: 2, fusion: fusion))
    }

    /// The quantized groups the planner forms for a run requesting `targets`.
    private static func quantizedGroups(_ engine: Engine, targets: [String], inputs: [String]) throws -> Int {
        let graph = engine.model.graph
        let plan = try ExecutionPlan(graph: graph, order: engine.order, producers: engine.producers, targets: targets,
                                     available: { engine.constants[$0] != nil || inputs.contains($0) })
        return FusionPlan(graph: graph, steps: plan.steps, targets: Set(targets), kernels: engine.kernels,
                          constant: { engine.constants[$0] }).groups.values.filter { $0.quantized != nil }.count
    }

    /// Elements of `got` that differ from `want` (integers), or differ by more than float32
    /// rounding of a sum (floats).
    private static func differences(_ got: Tensor, _ want: Tensor) -> [Int] {
        (0..<want.count).filter { i in
            let (g, w) = (got.doubleValue(at: i), want.doubleValue(at: i))
            return want.dtype.isFloatingPoint ? abs(g - w) > 1e-6 * Swift.max(abs(w), 1) : g != w
        }
    }

    func testFusedPatternsEqualOnnxruntimesIntegerOps() throws {
        let cases = try Self.cases().filter(\.fuses)
        XCTAssertEqual(cases.count, 13)
        var distinguished: [String] = []
        for c in cases {
            let engine = try Self.engine(c)
            XCTAssertEqual(try Self.quantizedGroups(engine, targets: [c.output], inputs: Array(c.inputs.keys)), 1, c.name)
            let got = try XCTUnwrap(try engine.run(inputs: c.inputs, tensors: [c.output])[c.output], c.name)
            XCTAssertEqual(got.shape, c.fused.shape, c.name)
            XCTAssertEqual(got.dtype, c.fused.dtype, c.name)
            let bad = Self.differences(got, c.fused)
            XCTAssertEqual(bad.count, 0, "\(c.name): \(bad.count) of \(got.count) differ from onnxruntime's fused output, first at "
                           + "\(bad.first.map { "\($0): \(got.doubleValue(at: $0)) vs \(c.fused.doubleValue(at: $0))" } ?? "")")
            if c.differing > 0 {
                let separate = try XCTUnwrap(try Self.engine(c, fusion: false).run(inputs: c.inputs, tensors: [c.output])[c.output])
                if !Self.differences(separate, c.fused).isEmpty { distinguished.append(c.name) }
            }
        }
        // The float path (fusion off) lands a step away from the integer op somewhere, so equality above
        // shows the integer op ran.
        XCTAssertTrue(distinguished.contains("conv"), "cases where the unfused run differs: \(distinguished)")
    }

    func testPatternsOnnxruntimeLeavesAloneAreNotFused() throws {
        let cases = try Self.cases().filter { !$0.fuses }
        XCTAssertEqual(Set(cases.map(\.name)), ["refused_conv_int8_activations", "refused_conv_relu_not_redundant",
                                                 "refused_conv_output_read_twice", "refused_add_uint16"])
        for c in cases {
            let engine = try Self.engine(c)
            XCTAssertEqual(try Self.quantizedGroups(engine, targets: [c.output], inputs: Array(c.inputs.keys)), 0, c.name)
            let got = try XCTUnwrap(try engine.run(inputs: c.inputs, tensors: [c.output])[c.output], c.name)
            XCTAssertEqual(got.shape, c.unfused.shape, c.name)
            // The float path: within one step of onnxruntime's in at most 0.5 % of the elements.
            let off = Self.differences(got, c.unfused)
            XCTAssertLessThanOrEqual(off.count, Swift.max(1, got.count / 200), c.name)
        }
    }

    /// Requesting a value inside the pattern (the Conv's output, or the activation's
    /// `DequantizeLinear` output) keeps it unfused, so the quantizer's output is then the float path's.
    func testRequestedIntermediateKeepsThePatternUnfused() throws {
        let c = try XCTUnwrap(try Self.cases().first { $0.name == "conv" })
        XCTAssertGreaterThan(c.differing, 0)
        let engine = try Self.engine(c)
        for inside in ["conv", "xd"] {
            XCTAssertEqual(try Self.quantizedGroups(engine, targets: [c.output, inside], inputs: ["x"]), 0, inside)
            let values = try engine.run(inputs: c.inputs, tensors: [c.output, inside])
            XCTAssertNotNil(values[inside])
            let got = try XCTUnwrap(values[c.output])
            XCTAssertFalse(Self.differences(got, c.fused).isEmpty, "requesting '\(inside)' still fused the pattern")
        }
    }
}

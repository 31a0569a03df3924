import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataEngine

/// Unary, clip, cast and pass-through ops. Formulas are re-evaluated here in Double as the
/// reference; the few literal expectations were produced with the onnx reference evaluator
/// (onnx 1.23.2, `onnx.reference.ReferenceEvaluator`) on the same inputs.
final class ElementwiseUnaryTests: KernelTierTestCase {
    typealias Support = ElementwiseTestSupport

    /// Attributes are float32: the reference uses the rounded value, as onnxruntime does.
    private static func f(_ x: Double) -> Double { Double(Float(x)) }
    private static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
    private static func softplus(_ x: Double) -> Double { max(x, 0) + log1p(exp(-abs(x))) }

    static let floatCases: [(op: String, attributes: [String: Attribute], reference: @Sendable (Double) -> Double)] = [
        ("Sqrt", [:], { sqrt($0) }), ("Exp", [:], { exp($0) }), ("Log", [:], { log($0) }), ("Abs", [:], { abs($0) }),
        ("Neg", [:], { -$0 }), ("Reciprocal", [:], { 1 / $0 }), ("Floor", [:], { floor($0) }), ("Ceil", [:], { ceil($0) }),
        ("Sign", [:], { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }), ("Erf", [:], { erf($0) }), ("Sin", [:], { sin($0) }),
        ("Cos", [:], { cos($0) }), ("Tanh", [:], { tanh($0) }), ("Relu", [:], { max($0, 0) }),
        ("LeakyRelu", [:], { $0 < 0 ? f(0.01) * $0 : $0 }), ("LeakyRelu", ["alpha": .float(0.3)], { $0 < 0 ? f(0.3) * $0 : $0 }),
        ("Elu", [:], { $0 < 0 ? exp($0) - 1 : $0 }), ("Elu", ["alpha": .float(2)], { $0 < 0 ? 2 * (exp($0) - 1) : $0 }),
        ("Selu", [:], { $0 <= 0 ? f(1.0507009873554805) * (f(1.6732632423543772) * exp($0) - f(1.6732632423543772)) : f(1.0507009873554805) * $0 }),
        ("Selu", ["alpha": .float(2), "gamma": .float(3)], { $0 <= 0 ? 3 * (2 * exp($0) - 2) : 3 * $0 }),
        ("Celu", ["alpha": .float(2)], { max(0, $0) + min(0, 2 * (exp($0 / 2) - 1)) }),
        ("Sigmoid", [:], { sigmoid($0) }),
        ("HardSigmoid", [:], { max(0, min(1, f(0.2) * $0 + 0.5)) }),
        ("HardSigmoid", ["alpha": .float(0.5), "beta": .float(0.1)], { max(0, min(1, 0.5 * $0 + f(0.1))) }),
        ("HardSwish", [:], { $0 * max(0, min(1, $0 / 6 + 0.5)) }), ("Softplus", [:], { softplus($0) }),
        ("Softsign", [:], { $0 / (1 + abs($0)) }), ("Gelu", [:], { 0.5 * $0 * (1 + erf($0 / sqrt(2))) }),
        ("Gelu", ["approximate": .string("tanh")], { 0.5 * $0 * (1 + tanh(sqrt(2 / Double.pi) * ($0 + 0.044715 * $0 * $0 * $0))) }),
        ("Mish", [:], { $0 * tanh(softplus($0)) }),
    ]

    func testFloatOpsMatchFormulas() {
        forEachKernelTier {
            var rng = SeededGenerator(seed: 11)
            let x = Support.random([3, 70_000], in: -6...6, &rng)
            let positive = Support.random([5, 7], in: 0.01...9, &rng)
            for (op, attributes, reference) in Self.floatCases {
                let input = ["Sqrt", "Log"].contains(op) ? positive : x
                let values = input.floats()
                for dtype in [DType.float32, .float64] {
                    let out = try Support.run(op, [input.converted(to: dtype)], attributes: attributes)[0]
                    XCTAssertEqual(out.dtype, dtype)
                    XCTAssertEqual(out.shape, input.shape)
                    let got = try out.converted(to: .float64)
                    var worst = 0.0
                    for i in 0..<values.count {
                        let expected = reference(Double(values[i]))
                        worst = max(worst, abs(got.doubleValue(at: i) - expected) / max(1, abs(expected)))
                    }
                    XCTAssertLessThan(worst, dtype == .float32 ? 2e-6 : 1e-12, "\(op) \(attributes) \(dtype)")
                }
            }
        }
    }

    /// The 8-lane float32 paths at the edges of the float range, on a length that leaves a tail.
    func testVectorPathsAtExtremes() {
        forEachKernelTier {
            let values: [Float] = [-1000, -100, -88, -87, -20, -1e-6, 0, 1e-6, 20, 88, 88.7, 89, 100, 1000, .nan, .infinity, -.infinity]
            let x = Tensor(values, shape: [values.count])
            let cases: [(String, [String: Attribute], (Double) -> Double)] = [
                ("Exp", [:], { exp($0) }), ("Sigmoid", [:], { Self.sigmoid($0) }), ("Tanh", [:], { tanh($0) }),
                ("Gelu", [:], { 0.5 * $0 * (1 + erf($0 / sqrt(2))) }), ("Softplus", [:], { Self.softplus($0) }),
                ("Mish", [:], { $0 * tanh(Self.softplus($0)) }),
            ]
            for (op, attributes, reference) in cases {
                let out = try Support.run(op, [x], attributes: attributes)[0].floats()
                for (v, got) in zip(values, out) {
                    let expected = Float(reference(Double(v)))
                    if expected.isNaN {
                        XCTAssertTrue(got.isNaN, "\(op)(\(v)) = \(got)")
                    } else if expected.isInfinite {
                        XCTAssertEqual(got, expected, "\(op)(\(v))")
                    } else {
                        XCTAssertEqual(got, expected, accuracy: 2e-6 * max(1, abs(expected)), "\(op)(\(v))")
                    }
                }
            }
        }
    }

    func testSoftplusKeepsSmallResultsPrecise() {
        forEachKernelTier {
            let values: [Float] = [-50, -20, -9, -1e-3, 1e-3]
            let out = try Support.run("Softplus", [Tensor(values, shape: [values.count])])[0].floats()
            for (v, got) in zip(values, out) {
                let expected = Self.softplus(Double(v))
                XCTAssertEqual(Double(got), expected, accuracy: 1e-6 * expected, "Softplus(\(v))")
            }
        }
    }

    func testRoundHalfToEven() throws {
        let out = try Support.run("Round", [Tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999], shape: [6])])[0]
        XCTAssertEqual(out.floats(), [0, 2, 2, -0, -2, 2])
    }

    func testIntegerUnaryOps() throws {
        let x = Tensor([-5, 0, 7, Int64.min], shape: [4])
        XCTAssertEqual(try Support.run("Abs", [x])[0].ints(), [5, 0, 7, Int.min])
        XCTAssertEqual(try Support.run("Neg", [x])[0].ints(), [5, 0, -7, Int.min])
        XCTAssertEqual(try Support.run("Sign", [x])[0].ints(), [-1, 0, 1, -1])
        XCTAssertEqual(try Support.run("Relu", [x.converted(to: .int32)])[0].ints(), [0, 0, 7, 0])
        XCTAssertThrowsError(try Support.run("Exp", [x]))
        XCTAssertThrowsError(try Support.run("Gelu", [x.converted(to: .float32)], attributes: ["approximate": .string("fast")]))
    }

    func testFloat16UnaryRoundsOnce() throws {
        var rng = SeededGenerator(seed: 12)
        let x = try Support.random([64], &rng).converted(to: .float16)
        let out = try Support.run("Tanh", [x])[0]
        XCTAssertEqual(out.dtype, .float16)
        let expected = try Tensor(x.floats().map { Foundation.tanhf($0) }, shape: [64]).converted(to: .float16)
        XCTAssertEqual(out.floats(), expected.floats())
    }

    func testIntegerDivisionTruncatesAndRejectsZero() throws {
        let a = Tensor([-7, 7, -7, 7] as [Int64], shape: [4]), b = Tensor([2, 2, -2, -2] as [Int64], shape: [4])
        XCTAssertEqual(try Support.run("Div", [a, b])[0].ints(), [-3, 3, 3, -3])
        XCTAssertThrowsError(try Support.run("Div", [a, Tensor([0] as [Int64], shape: [1])])) { error in
            XCTAssertEqual((error as? StrataError)?.message, "integer division by zero")
        }
    }

    func testPowMixedDtypes() throws {
        XCTAssertEqual(try Support.run("Pow", [Tensor([2, -3, 5] as [Int64], shape: [3]),
                                               Tensor([10, 3, 0] as [Int64], shape: [3])])[0].ints(), [1024, -27, 1])
        let float = try Support.run("Pow", [Tensor([2, 4] as [Float], shape: [2]), Tensor([3, -1] as [Int64], shape: [2])])[0]
        XCTAssertEqual(float.dtype, .float32)
        XCTAssertEqual(float.floats(), [8, 0.25])
        let base = Tensor([2, 3] as [Float], shape: [2]), exponent = Tensor([0.1, 1.7] as [Float], shape: [2])
        let half = try Support.run("Pow", [base.converted(to: .float16), exponent])[0]
        XCTAssertEqual(half.dtype, .float16)
        XCTAssertEqual(half.floats(), try Tensor([powf(2, 0.1), powf(3, 1.7)], shape: [2]).converted(to: .float16).floats())
    }

    func testPowSquareAndCubeShortcuts() throws {
        var rng = SeededGenerator(seed: 13)
        let x = Support.random([3, 4], in: -5...5, &rng)
        for (e, shape) in [(Float(2), [Int]()), (3, [1, 1, 1]), (2.5, [1])] {
            let out = try Support.run("Pow", [x, Tensor([e], shape: shape)])[0]
            XCTAssertEqual(out.shape, shape.count == 3 ? [1, 3, 4] : [3, 4])
            for (got, v) in zip(out.floats(), x.floats()) {
                let expected = Foundation.powf(v, e)
                if expected.isNaN { XCTAssertTrue(got.isNaN) } else { XCTAssertEqual(got, expected, accuracy: 2e-7 * abs(expected)) }
            }
        }
    }

    func testClipAttributesAndInputs() throws {
        let x = Tensor([-2, 0.5, 5, 9, .nan] as [Float], shape: [5])
        let v6 = try Support.run("Clip", [x], attributes: ["min": .float(0), "max": .float(6)], opset: 6)[0].floats()
        XCTAssertEqual(Array(v6.prefix(4)), [0, 0.5, 5, 6])
        XCTAssertTrue(v6[4].isNaN)
        let infinite = Tensor([-.infinity, .infinity] as [Float], shape: [2])
        XCTAssertEqual(try Support.run("Clip", [infinite], opset: 6)[0].floats(), [-.greatestFiniteMagnitude, .greatestFiniteMagnitude])
        XCTAssertEqual(try Support.run("Clip", [infinite], opset: 13)[0].floats(), [-.infinity, .infinity])
        XCTAssertEqual(try Support.run("Clip", [x, nil, .scalar(Float(1))], opset: 13)[0].floats().prefix(4), [-2, 0.5, 1, 1])
        XCTAssertEqual(try Support.run("Clip", [x, .scalar(Float(0))], opset: 13)[0].floats().prefix(4), [0, 0.5, 5, 9])
        let ints = Tensor([-2, 0, 5, 9] as [Int32], shape: [4])
        XCTAssertEqual(try Support.run("Clip", [ints, Tensor([0] as [Int32], shape: []), Tensor([6] as [Int32], shape: [])],
                                       opset: 13)[0].ints(), [0, 0, 5, 6])
        XCTAssertThrowsError(try Support.run("Clip", [x, Tensor([0, 1] as [Float], shape: [2])], opset: 13))
    }

    func testCastFollowsOnnxRules() throws {
        func cast(_ t: Tensor, _ to: DType) throws -> Tensor {
            try Support.run("Cast", [t], attributes: ["to": .int(to.onnxCode)])[0]
        }
        XCTAssertEqual(try cast(Tensor([-1.7, 2.9, 0, -0.0] as [Float], shape: [4]), .int32).ints(), [-1, 2, 0, 0])
        XCTAssertEqual(try cast(Tensor([300, -129, 127] as [Int64], shape: [3]), .int8).ints(), [44, 127, 127])
        XCTAssertEqual(try cast(Tensor([0, -0.0, 0.5, .nan] as [Float], shape: [4]), .bool).ints(), [0, 0, 1, 1])
        XCTAssertEqual(try cast(Tensor([1, 0.1, 70000, -2.5e-8] as [Float], shape: [4]), .float16).floats(),
                       [1, 0.0999755859375, .infinity, -0.0])
        XCTAssertEqual(try cast(Tensor([1, 0.1, 3.14159, -1e10] as [Float], shape: [4]), .bfloat16).floats(),
                       [1, 0.10009765625, 3.140625, -9999220736])
        XCTAssertEqual(try cast(Tensor([true, false], shape: [2]), .float64).floats(), [1, 0])
        XCTAssertEqual(try cast(Tensor([3, 0] as [Int64], shape: [2]), .bool).ints(), [1, 0])
        // Every pair of dtypes converts small integers exactly.
        let small = Tensor([0, 1, 2, 3, 100] as [Int64], shape: [5])
        // Low-bit dtypes are QuantizeLinear/DequantizeLinear's only (Docs/Quantization.md).
        for from in DType.allCases where !from.isLowBit {
            for to in DType.allCases where !to.isLowBit {
                let source = try small.converted(to: from)
                let out = try cast(source, to)
                XCTAssertEqual(out.dtype, to)
                let expected = from == .bool || to == .bool ? [0, 1, 1, 1, 1] : [0, 1, 2, 3, 100]
                XCTAssertEqual(out.ints(), expected, "\(from) -> \(to)")
            }
        }
        // Low-bit targets: ml_dtypes' values (float8e4m3fn 0, 1, 2, 3, 96 and int4 wrapping 100 to 4).
        XCTAssertEqual(try small.converted(to: .float8e4m3fn).floats(), [0, 1, 2, 3, 96])
        XCTAssertEqual(try small.converted(to: .int4).ints(), [0, 1, 2, 3, 4])
        let like = try Support.run("CastLike", [Tensor([1.9] as [Float], shape: [1]), Tensor([0] as [Int64], shape: [1])])[0]
        XCTAssertEqual(like.dtype, .int64)
        XCTAssertEqual(like.ints(), [1])
        XCTAssertThrowsError(try Support.run("Cast", [small], attributes: ["to": .int(8)])) { error in
            XCTAssertEqual((error as? StrataError)?.description,
                           "node 'n' (Cast), attribute 'to': data type 8 is not supported")
        }
    }

    func testIdentityAndDropoutPassThrough() throws {
        let x = Tensor([1, 2, 3] as [Float], shape: [3])
        XCTAssertEqual(try Support.run("Identity", [x])[0].floats(), [1, 2, 3])
        let dropout = try Support.run("Dropout", [x, .scalar(Float(0.5))], outputs: 2)
        XCTAssertEqual(dropout[0].floats(), [1, 2, 3])
        XCTAssertEqual(dropout[1].dtype, .bool)
        XCTAssertEqual(dropout[1].ints(), [1, 1, 1])
        let old = try Support.run("Dropout", [x], attributes: ["ratio": .float(0.2)], opset: 7, outputs: 2)
        XCTAssertEqual(old[1].dtype, .float32)
        XCTAssertEqual(old[1].floats(), [1, 1, 1])
        XCTAssertThrowsError(try Support.run("Dropout", [x, nil, Tensor([true], shape: [])])) { error in
            XCTAssertEqual((error as? StrataError)?.kind, .unsupported)
        }
        XCTAssertEqual(try Support.run("Dropout", [x, nil, Tensor([false], shape: [])]).count, 1)
    }
}

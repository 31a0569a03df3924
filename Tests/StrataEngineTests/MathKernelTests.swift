import Foundation
import StrataTestSupport
import XCTest
import StrataCore
@testable import StrataEngine

/// Seeded-random checks of the math family (trigonometric and hyperbolic functions, float tests,
/// Shrink/ThresholdedRelu/Swish/SwiGLU, bitwise ops and BitShift, LpPool, Col2Im, AffineGrid) against
/// naive loops.
final class MathKernelTests: XCTestCase {
    func testFloatFunctionsMatchFoundation() throws {
        var rng = SeededGenerator(seed: 1411)
        let x = Tensor(rng.floats(40).map { $0 * 0.99 }, shape: [5, 8])
        let big = Tensor(rng.floats(40).map { 1 + abs($0) * 4 }, shape: [5, 8])
        let cases: [(String, Tensor, [String: Attribute], (Double) -> Double)] = [
            ("Acos", x, [:], { Foundation.acos($0) }), ("Asin", x, [:], { Foundation.asin($0) }),
            ("Atan", x, [:], { Foundation.atan($0) }), ("Tan", x, [:], { Foundation.tan($0) }),
            ("Acosh", big, [:], { Foundation.acosh($0) }), ("Asinh", x, [:], { Foundation.asinh($0) }),
            ("Atanh", x, [:], { Foundation.atanh($0) }), ("Cosh", x, [:], { Foundation.cosh($0) }),
            ("Sinh", x, [:], { Foundation.sinh($0) }),
            ("Shrink", x, ["bias": .float(0.25), "lambd": .float(0.3)], { $0 < -0.3 ? $0 + 0.25 : $0 > 0.3 ? $0 - 0.25 : 0 }),
            ("ThresholdedRelu", x, ["alpha": .float(0.2)], { $0 > 0.2 ? $0 : 0 }),
            ("Swish", x, ["alpha": .float(1.5)], { $0 / (1 + Foundation.exp(-1.5 * $0)) }),
        ]
        for (op, input, attributes, f) in cases {
            let y = try runLinearKernel(op, inputs: [input], attributes: attributes)[0]
            let values = input.floats()
            assertClose(y, values.map { Float(f(Double($0))) }, shape: input.shape, rtol: 1e-6, atol: 1e-7, op)
        }
        let b = rng.tensor([5, 8])
        let swiglu = try runLinearKernel("SwiGLU", inputs: [x, b], attributes: ["alpha": .float(0.5)])[0]
        let (xs, bs) = (x.floats(), b.floats())
        assertClose(swiglu, xs.indices.map { i in
            Float(Double(xs[i]) / (1 + Foundation.exp(-0.5 * Double(xs[i]))) * Double(bs[i]))
        }, shape: [5, 8], rtol: 1e-6, atol: 1e-7)
    }

    func testLpPoolMatchesNaiveLoop() throws {
        var rng = SeededGenerator(seed: 1413)
        let x = rng.tensor([2, 3, 6, 7])
        let xs = x.floats().map { Double($0) }
        let (kernel, strides, dilations, pads) = ([2, 3], [2, 1], [1, 2], [1, 0, 0, 1])
        let y = try runLinearKernel("LpPool", inputs: [x], attributes: [
            "p": .int(3), "kernel_shape": .ints(kernel), "strides": .ints(strides), "dilations": .ints(dilations), "pads": .ints(pads),
        ])[0]
        let oh = (6 + pads[0] + pads[2] - dilations[0] * (kernel[0] - 1) - 1) / strides[0] + 1
        let ow = (7 + pads[1] + pads[3] - dilations[1] * (kernel[1] - 1) - 1) / strides[1] + 1
        var want: [Float] = []
        for plane in 0..<6 {
            for i in 0..<oh {
                for j in 0..<ow {
                    var sum = 0.0
                    for a in 0..<kernel[0] {
                        for b in 0..<kernel[1] {
                            let (r, c) = (i * strides[0] - pads[0] + a * dilations[0], j * strides[1] - pads[1] + b * dilations[1])
                            if r >= 0, r < 6, c >= 0, c < 7 { sum += Foundation.pow(abs(xs[(plane * 6 + r) * 7 + c]), 3) }
                        }
                    }
                    want.append(Float(Foundation.pow(sum, 1.0 / 3)))
                }
            }
        }
        assertClose(y, want, shape: [2, 3, oh, ow], rtol: 1e-6, atol: 1e-7)
    }

    func testCol2ImAddsEachColumnBackToItsPosition() throws {
        var rng = SeededGenerator(seed: 1414)
        let (channels, image, block, strides, pads, dilations) = (2, [5, 6], [2, 3], [1, 2], [1, 0, 0, 1], [2, 1])
        let outH = (image[0] + pads[0] + pads[2] - dilations[0] * (block[0] - 1) - 1) / strides[0] + 1
        let outW = (image[1] + pads[1] + pads[3] - dilations[1] * (block[1] - 1) - 1) / strides[1] + 1
        let columns = rng.tensor([1, channels * 6, outH * outW])
        let values = columns.floats()
        let y = try runLinearKernel("Col2Im", inputs: [columns, Tensor(image.map(Int64.init), shape: [2]), Tensor(block.map(Int64.init), shape: [2])],
                                    attributes: ["strides": .ints(strides), "pads": .ints(pads), "dilations": .ints(dilations)])[0]
        var want = [Float](repeating: 0, count: channels * 30)
        for c in 0..<channels {
            for a in 0..<block[0] {
                for b in 0..<block[1] {
                    for i in 0..<outH {
                        for j in 0..<outW {
                            let (r, q) = (i * strides[0] - pads[0] + a * dilations[0], j * strides[1] - pads[1] + b * dilations[1])
                            guard r >= 0, r < image[0], q >= 0, q < image[1] else { continue }
                            want[(c * image[0] + r) * image[1] + q] += values[((c * 6 + a * 3 + b) * outH + i) * outW + j]
                        }
                    }
                }
            }
        }
        assertClose(y, want, shape: [1, channels] + image, rtol: 1e-6, atol: 1e-6)
    }

    func testAffineGridMatchesNaiveLoop() throws {
        var rng = SeededGenerator(seed: 1415)
        let theta = rng.tensor([2, 2, 3])
        let t = theta.floats().map { Double($0) }
        for align in [0, 1] {
            let grid = try runLinearKernel("AffineGrid", inputs: [theta, Tensor([2, 1, 3, 4] as [Int64], shape: [4])],
                                           attributes: ["align_corners": .int(align)])[0]
            var want: [Float] = []
            for n in 0..<2 {
                for h in 0..<3 {
                    for w in 0..<4 {
                        let x = align == 1 ? -1 + 2 * Double(w) / 3 : -1 + (2 * Double(w) + 1) / 4
                        let y = align == 1 ? -1 + 2 * Double(h) / 2 : -1 + (2 * Double(h) + 1) / 3
                        for row in 0..<2 {
                            let base = (n * 2 + row) * 3
                            want.append(Float(t[base] * x + t[base + 1] * y + t[base + 2]))
                        }
                    }
                }
            }
            assertClose(grid, want, shape: [2, 3, 4, 2], rtol: 1e-6, atol: 1e-6)
        }
    }

    func testIsNaNAndIsInf() throws {
        let x = Tensor([1, .nan, .infinity, -.infinity, 0, -2], shape: [6])
        XCTAssertEqual(try runLinearKernel("IsNaN", inputs: [x])[0].ints(), [0, 1, 0, 0, 0, 0])
        XCTAssertEqual(try runLinearKernel("IsInf", inputs: [x])[0].ints(), [0, 0, 1, 1, 0, 0])
        XCTAssertEqual(try runLinearKernel("IsInf", inputs: [x], attributes: ["detect_positive": .int(0)])[0].ints(), [0, 0, 0, 1, 0, 0])
        XCTAssertEqual(try runLinearKernel("IsInf", inputs: [x])[0].dtype, .bool)
    }

    func testBitwiseOpsAndShiftsMatchNaiveLoops() throws {
        var rng = SeededGenerator(seed: 1412)
        let a = (0..<24).map { _ in Int32(truncatingIfNeeded: rng.int(-100_000...100_000)) }
        let b = (0..<4).map { _ in Int32(truncatingIfNeeded: rng.int(-100_000...100_000)) }
        let (ta, tb) = (Tensor(a, shape: [2, 3, 4]), Tensor(b, shape: [4]))
        for (op, f) in [("BitwiseAnd", { (x: Int32, y: Int32) in x & y }), ("BitwiseOr", { $0 | $1 }), ("BitwiseXor", { $0 ^ $1 })] {
            XCTAssertEqual(try runLinearKernel(op, inputs: [ta, tb])[0].ints(), a.indices.map { Int(f(a[$0], b[$0 % 4])) }, op)
        }
        XCTAssertEqual(try runLinearKernel("BitwiseNot", inputs: [ta])[0].ints(), a.map { Int(~$0) })
        let shifts: [Int32] = [0, 3, 31, 32, -1, 40]
        let values: [Int32] = [-77, 5, -1, 9, -8, 1234]
        let (tv, ts) = (Tensor(values, shape: [6]), Tensor(shifts, shape: [6]))
        func reference(_ v: Int32, _ s: Int32, left: Bool) -> Int {
            if s < 0 || s >= 32 { return left || v >= 0 ? 0 : -1 }
            return Int(left ? v << s : v >> s)
        }
        XCTAssertEqual(try runLinearKernel("BitShift", inputs: [tv, ts], attributes: ["direction": .string("LEFT")])[0].ints(),
                       values.indices.map { reference(values[$0], shifts[$0], left: true) })
        XCTAssertEqual(try runLinearKernel("BitShift", inputs: [tv, ts], attributes: ["direction": .string("RIGHT")])[0].ints(),
                       values.indices.map { reference(values[$0], shifts[$0], left: false) })
        XCTAssertThrowsError(try runLinearKernel("BitShift", inputs: [tv, ts], attributes: ["direction": .string("UP")]))
    }
    /// A reduced-precision Attention row of 4,096 equal scores over values that are all 1 must give 1,
    /// as PyTorch's `scaled_dot_product_attention` gives in bfloat16 and float16 (torch 2.14). onnx's
    /// reference evaluator gives 16 in bfloat16: it sums the row left to right in bfloat16, which stops
    /// growing at 256 (Docs/Quantization.md, "Reduced-precision Attention"). Strata rounds every
    /// softmax step as the reference does but sums pairwise; a left-to-right sum fails here.
    func testHalfPrecisionSoftmaxSumsLongRowsPairwise() throws {
        for dtype in [DType.bfloat16, .float16] {
            let q = try Tensor([Float](repeating: 0, count: 8), shape: [1, 1, 1, 8]).converted(to: dtype)
            let k = try Tensor([Float](repeating: 0, count: 4096 * 8), shape: [1, 1, 4096, 8]).converted(to: dtype)
            let v = try Tensor([Float](repeating: 1, count: 4096 * 8), shape: [1, 1, 4096, 8]).converted(to: dtype)
            let y = try OneNode.run("Attention", [q, k, v], opset: 23)[0]
            XCTAssertEqual(y.dtype, dtype)
            XCTAssertEqual(y.floats(), [Float](repeating: 1, count: 8), "\(dtype)")
            // The 32,768 keys through Softmax, as the `_expanded` graphs compute it: 2⁻¹⁵ each (torch.softmax).
            let weights = try OneNode.run("Softmax", [k.reshaped([1, 4096 * 8])], opset: 13)[0]
            XCTAssertEqual(Set(weights.floats()), [Float(1) / 32768], "\(dtype)")
        }
        // An unequal long row: its weights still add up to 1 (about 2.4 with a left-to-right sum, which
        // stops near 256 of the true 620).
        var generator = SeededGenerator(seed: 7)
        let scores = try Tensor((0..<5000).map { _ in Float(generator.unit() * 8 - 4) }, shape: [1, 5000]).converted(to: .bfloat16)
        let weights = try OneNode.run("Softmax", [scores], opset: 13)[0].floats()
        XCTAssertEqual(weights.reduce(0) { $0 + Double($1) }, 1, accuracy: 0.01)
    }

    /// Short rows of a bfloat16 sum go left to right, every partial sum rounded, as numpy's loop over an
    /// ml_dtypes array does: np.array([256, 1, 1, 1], bfloat16).sum() is 256 (summed in float32 and
    /// rounded once, 260). float16 sums in float32 and rounds once: np.float16 gives 259.
    func testNarrowSumsFollowNumpyOnShortRows() throws {
        let values: [Float] = [256, 1, 1, 1]
        values.withUnsafeBufferPointer { p in
            XCTAssertEqual(NarrowRounding(.bfloat16)!.sum(p.baseAddress!, count: 4), 256)
            XCTAssertEqual(NarrowRounding(.float16)!.sum(p.baseAddress!, count: 4), 259)
        }
        let ones = [Float](repeating: 1, count: 4096)
        ones.withUnsafeBufferPointer { XCTAssertEqual(NarrowRounding(.bfloat16)!.sum($0.baseAddress!, count: 4096), 4096) }
        XCTAssertNil(NarrowRounding(.float32))
    }

    /// BitCast, Det and CausalConvWithState (the node suite checks their values): bad shapes and
    /// dtypes are one located error each, and Det handles the empty and singular cases.
    func testBitCastDetAndCausalConvRefuseBadInputs() throws {
        func message(_ op: String, _ inputs: [Tensor?], _ attributes: [String: Attribute] = [:]) -> String? {
            do {
                _ = try OneNode.run(op, inputs, attributes: attributes, opset: 27, outputs: op == "CausalConvWithState" ? 2 : 1)
                return nil
            } catch { return "\(error)" }
        }
        let floats = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        XCTAssertEqual(message("BitCast", [floats], ["to": .int(7)]),
                       "node 'n' (BitCast): input is float32 (32 bits) and 'to' is int64 (64 bits); BitCast needs equal widths")
        XCTAssertEqual(try OneNode.run("BitCast", [Tensor([1] as [Float], shape: [1])], attributes: ["to": .int(6)], opset: 26)[0].ints(),
                       [0x3F80_0000])
        XCTAssertEqual(message("Det", [floats]), "node 'n' (Det): input float32[2, 3] does not end in a square matrix")
        let singular = Tensor([1, 2, 2, 4, 3, 0, 0, 2] as [Float], shape: [2, 2, 2])
        XCTAssertEqual(try OneNode.run("Det", [singular], opset: 22)[0].floats(), [0, 6])
        XCTAssertEqual(try OneNode.run("Det", [Tensor([Float](), shape: [3, 0, 0])], opset: 22)[0].floats(), [1, 1, 1])
        let x = Tensor([Float](repeating: 1, count: 12), shape: [1, 3, 4])
        XCTAssertEqual(message("CausalConvWithState", [x, Tensor([Float](repeating: 1, count: 6), shape: [2, 1, 3])]),
                       "node 'n' (CausalConvWithState): input float32[1, 3, 4] must be [B, C, L] and weight float32[2, 1, 3] [C, 1, k] of its dtype")
        XCTAssertEqual(message("CausalConvWithState", [x, Tensor([Float](repeating: 1, count: 6), shape: [3, 1, 2])], ["activation": .string("gelu")]),
                       "node 'n' (CausalConvWithState), attribute 'activation': must be 'none', 'silu' or 'swish', found 'gelu'")
        let outputs = try OneNode.run("CausalConvWithState", [x, Tensor([1, 2, 1, 2, 1, 2] as [Float], shape: [3, 1, 2])], opset: 27, outputs: 2)
        XCTAssertEqual(outputs[0].floats(), [2, 3, 3, 3, 2, 3, 3, 3, 2, 3, 3, 3], "the first position sees the zero padding")
        XCTAssertEqual(outputs[1].shape, [1, 3, 1])
        let qkv = Tensor([Float](repeating: 0.5, count: 8), shape: [1, 2, 4])
        do {
            _ = try OneNode.run("LinearAttention", [qkv, qkv, qkv], attributes: ["q_num_heads": .int(2), "kv_num_heads": .int(2)],
                                opset: 27, outputs: 2)
            XCTFail("gated_delta without decay and beta ran")
        } catch {
            XCTAssertEqual("\(error)", "node 'n' (LinearAttention): update_rule 'gated_delta' needs decay and needs beta")
        }
        // One token, no past: S = k ⊗ v, so each output is scale·(q·k)·v = (1/√2)·(2·0.25)·0.5.
        let linear = try OneNode.run("LinearAttention", [qkv, qkv, qkv], attributes: ["q_num_heads": .int(2), "kv_num_heads": .int(2),
                                                                                    "update_rule": .string("linear")], opset: 27, outputs: 2)
        XCTAssertEqual(linear[0].floats()[0], Float(1 / Double(2).squareRoot()) * 0.25, accuracy: 1e-6)
        XCTAssertEqual(linear[1].shape, [1, 2, 2, 2])
    }
}

import StrataTestSupport
import XCTest
import StrataCore
@testable import StrataEngine

/// Seeded-random checks of the quantization kernels against naive loops written from the spec.
final class QuantizationKernelTests: XCTestCase {
    /// A tensor of `dtype` (an integer type) holding `values`.
    private func integers(_ values: [Int], _ dtype: DType, _ shape: [Int]) throws -> Tensor {
        let t = try Tensor(dtype: dtype, shape: shape)
        for (i, v) in values.enumerated() {
            switch dtype {
            case .uint8: t.pointer(as: UInt8.self)[i] = UInt8(v)
            case .int8: t.pointer(as: Int8.self)[i] = Int8(v)
            case .uint16: t.pointer(as: UInt16.self)[i] = UInt16(v)
            case .int16: t.pointer(as: Int16.self)[i] = Int16(v)
            case .int32: t.pointer(as: Int32.self)[i] = Int32(v)
            default: XCTFail("not an integer type: \(dtype)")
            }
        }
        return t
    }

    private func random(_ rng: inout SeededGenerator, _ dtype: DType, _ shape: [Int]) throws -> Tensor {
        let range = QuantizedInteger.range(dtype)!
        let bounded = Swift.max(range.lowerBound, -300)...Swift.min(range.upperBound, 300)
        return try integers((0..<shape.elementCount).map { _ in rng.int(bounded) }, dtype, shape)
    }

    private func run(_ opType: String, domain: String = "", _ inputs: [Tensor?], outputs: Int = 1,
                     attributes: [String: Attribute] = [:], opset: Int = OpRegistry.latestOpset) throws -> [Tensor] {
        let node = Node(name: "node", opType: opType, domain: domain, opset: opset,
                        inputs: inputs.enumerated().map { $1 == nil ? "" : "in\($0)" },
                        outputs: (0..<outputs).map { "out\($0)" }, attributes: attributes)
        let factory = try XCTUnwrap(KernelRegistry.factory(for: node), opType)
        let kernel = try factory(KernelBuildContext(node: node, inputTypes: inputs.map { $0?.type }, constants: inputs))
        return try kernel.run(inputs, context: ExecutionContext(threads: 2))
    }

    private func saturate(_ value: Double, _ zero: Int, _ dtype: DType) -> Int {
        let range = QuantizedInteger.range(dtype)!
        return Swift.min(range.upperBound, Swift.max(range.lowerBound, Int(value.rounded(.toNearestOrEven)) + zero))
    }

    func testQuantizeLinearPerAxisAndBlockedMatchNaiveLoop() throws {
        var rng = SeededGenerator(seed: 1401)
        let shape = [2, 7, 3]
        let x = Tensor((0..<42).map { _ in rng.float() * 3 }, shape: shape)
        let xs = x.floats()
        // Per axis 1: one scale and zero point per index of axis 1.
        let scales = (0..<7).map { _ in 0.01 + abs(rng.float()) * 0.05 }
        let zeros = (0..<7).map { _ in rng.int(0...255) }
        let perAxis = try run("QuantizeLinear", [x, Tensor(scales, shape: [7]), try integers(zeros, .uint8, [7])])[0]
        XCTAssertEqual(perAxis.dtype, .uint8)
        XCTAssertEqual(perAxis.ints(), xs.indices.map { i in
            let c = (i / 3) % 7
            return saturate(Double(xs[i] / scales[c]), zeros[c], .uint8)
        })
        // Blocked along axis 1 in blocks of 3 (the last block short): parameters [2, 3, 3].
        let blockScales = (0..<18).map { _ in 0.01 + abs(rng.float()) * 0.05 }
        let blockZeros = (0..<18).map { _ in rng.int(-20...20) }
        let blocked = try run("QuantizeLinear", [x, Tensor(blockScales, shape: [2, 3, 3]), try integers(blockZeros, .int8, [2, 3, 3])],
                              attributes: ["axis": .int(1), "block_size": .int(3)])[0]
        XCTAssertEqual(blocked.dtype, .int8)
        XCTAssertEqual(blocked.ints(), xs.indices.map { i in
            let (n, c, k) = (i / 21, (i / 3) % 7, i % 3)
            let p = (n * 3 + c / 3) * 3 + k
            return saturate(Double(xs[i] / blockScales[p]), blockZeros[p], .int8)
        })
        // Quotients exactly halfway between two integers round to the even one.
        let halves = Tensor((-6...6).map { Float($0) + 0.5 }, shape: [13])
        let rounded = try run("QuantizeLinear", [halves, Tensor([Float(1)], shape: []), try integers([3], .int8, [])])[0]
        XCTAssertEqual(rounded.ints(), halves.floats().map { saturate(Double($0), 3, .int8) })
        // No zero point and output_dtype int16: per tensor.
        let wide = try run("QuantizeLinear", [x, Tensor([0.001], shape: [])], attributes: ["output_dtype": .int(5)])[0]
        XCTAssertEqual(wide.dtype, .int16)
        XCTAssertEqual(wide.ints(), xs.map { saturate(Double($0 / 0.001), 0, .int16) })
    }

    func testDequantizeLinearPerAxisMatchesNaiveLoop() throws {
        var rng = SeededGenerator(seed: 1402)
        let x = try random(&rng, .int16, [3, 4, 2])
        let scales = (0..<4).map { _ in abs(rng.float()) * 0.1 }
        let zeros = (0..<4).map { _ in rng.int(-50...50) }
        let y = try run("DequantizeLinear", [x, Tensor(scales, shape: [4]), try integers(zeros, .int16, [4])])[0]
        let q = x.ints()
        assertClose(y, q.indices.map { i in Float(q[i] - zeros[(i / 2) % 4]) * scales[(i / 2) % 4] }, shape: [3, 4, 2], rtol: 0, atol: 0)
    }

    /// Naive integer convolution: `Σ (x - xz)(w - wz[m])` over channels of the group and kernel taps.
    private func naiveConv(_ x: [Int], _ xShape: [Int], _ xz: Int, _ w: [Int], _ wShape: [Int], _ wz: [Int],
                           group: Int, strides: [Int], pads: [Int], dilations: [Int]) -> (values: [Int], shape: [Int]) {
        let (n, c, h, width) = (xShape[0], xShape[1], xShape[2], xShape[3])
        let (m, cg, kh, kw) = (wShape[0], wShape[1], wShape[2], wShape[3])
        let oh = (h + pads[0] + pads[2] - dilations[0] * (kh - 1) - 1) / strides[0] + 1
        let ow = (width + pads[1] + pads[3] - dilations[1] * (kw - 1) - 1) / strides[1] + 1
        var out: [Int] = []
        for b in 0..<n {
            for o in 0..<m {
                let g = o / (m / group)
                for i in 0..<oh {
                    for j in 0..<ow {
                        var sum = 0
                        for ci in 0..<cg {
                            for a in 0..<kh {
                                for e in 0..<kw {
                                    let y = i * strides[0] - pads[0] + a * dilations[0]
                                    let z = j * strides[1] - pads[1] + e * dilations[1]
                                    guard y >= 0, y < h, z >= 0, z < width else { continue }
                                    let xv = x[((b * c + g * cg + ci) * h + y) * width + z] - xz
                                    let wv = w[((o * cg + ci) * kh + a) * kw + e] - wz[wz.count == 1 ? 0 : o]
                                    sum += xv * wv
                                }
                            }
                        }
                        out.append(sum)
                    }
                }
            }
        }
        return (out, [n, m, oh, ow])
    }

    func testConvIntegerAndQLinearConvMatchNaiveLoops() throws {
        var rng = SeededGenerator(seed: 1403)
        for trial in 0..<6 {
            let group = rng.pick([1, 2, 3])
            let (cg, mg) = (rng.int(1...3), rng.int(1...3))
            let xShape = [rng.int(1...2), cg * group, rng.int(5...8), rng.int(4...8)]
            let wShape = [mg * group, cg, rng.int(1...3), rng.int(1...3)]
            let strides = [rng.int(1...2), rng.int(1...2)], dilations = [rng.int(1...2), 1]
            let pads = (0..<4).map { _ in rng.int(0...1) }
            let x = try random(&rng, .uint8, xShape), w = try random(&rng, .int8, wShape)
            let xz = rng.int(0...255)
            let wz = (0..<wShape[0]).map { _ in rng.int(-5...5) }
            let attributes: [String: Attribute] = ["group": .int(group), "strides": .ints(strides), "pads": .ints(pads),
                                                   "dilations": .ints(dilations)]
            let want = naiveConv(x.ints(), xShape, xz, w.ints(), wShape, wz, group: group, strides: strides, pads: pads,
                                 dilations: dilations)
            let xzT = try integers([xz], .uint8, []), wzT = try integers(wz, .int8, [wShape[0]])
            let sums = try run("ConvInteger", [x, w, xzT, wzT], attributes: attributes)[0]
            XCTAssertEqual(sums.dtype, .int32)
            XCTAssertEqual(sums.shape, want.shape, "trial \(trial)")
            XCTAssertEqual(sums.ints(), want.values, "trial \(trial)")

            let bias = (0..<wShape[0]).map { _ in rng.int(-2000...2000) }
            let (xs, ys): (Float, Float) = (0.02, 0.5)
            let ws = (0..<wShape[0]).map { _ in 0.001 + abs(rng.float()) * 0.01 }
            let yz = rng.int(0...255)
            let y = try run("QLinearConv", [x, Tensor([xs], shape: []), xzT, w, Tensor(ws, shape: [wShape[0]]), wzT,
                                            Tensor([ys], shape: []), try integers([yz], .uint8, []), try integers(bias, .int32, [wShape[0]])],
                            attributes: attributes)[0]
            let plane = want.shape[2] * want.shape[3]
            XCTAssertEqual(y.ints(), want.values.indices.map { i in
                let o = (i / plane) % wShape[0]
                return saturate(Double(Float(want.values[i] + bias[o]) * (xs * ws[o] / ys)), yz, .uint8)
            }, "trial \(trial)")
        }
    }

    /// ConvInteger sums in float64 through BLAS when no sum can leave int32's range and in int32
    /// otherwise: int16 values large enough for the second path, against the naive loop, wrapping.
    func testConvIntegerWithSumsBeyondFloat64BoundMatchesNaiveLoop() throws {
        let (xShape, wShape) = ([1, 6, 5, 5], [4, 6, 3, 3])
        // Values spread over the whole int16 range, most of them large (a fixed scramble of the index).
        let spread = { (i: Int, salt: Int) in (i * 40503 + salt * 7919) % 65536 - 32768 }
        let x = try integers((0..<xShape.elementCount).map { spread($0, 1) }, .int16, xShape)
        let w = try integers((0..<wShape.elementCount).map { spread($0, 2) }, .int16, wShape)
        let want = naiveConv(x.ints(), xShape, 0, w.ints(), wShape, [0], group: 1, strides: [1, 1], pads: [1, 1, 1, 1],
                             dilations: [1, 1])
        let sums = try run("ConvInteger", [x, w], attributes: ["pads": .ints([1, 1, 1, 1])])[0]
        XCTAssertEqual(sums.shape, want.shape)
        XCTAssertEqual(sums.ints(), want.values.map { Int(Int32(truncatingIfNeeded: $0)) })
    }

    func testMatMulIntegerAndQLinearMatMulMatchNaiveLoops() throws {
        var rng = SeededGenerator(seed: 1404)
        let (m, k, n) = (3, 5, 4)
        let a = try random(&rng, .int8, [2, m, k]), b = try random(&rng, .uint8, [k, n])
        let az = (0..<m).map { _ in rng.int(-10...10) }, bz = (0..<n).map { _ in rng.int(0...255) }
        let azT = try integers(az, .int8, [m]), bzT = try integers(bz, .uint8, [n])
        let sums = try run("MatMulInteger", [a, b, azT, bzT])[0]
        let (av, bv) = (a.ints(), b.ints())
        var want: [Int] = []
        for p in 0..<2 {
            for i in 0..<m {
                for j in 0..<n {
                    want.append((0..<k).reduce(0) { $0 + (av[(p * m + i) * k + $1] - az[i]) * (bv[$1 * n + j] - bz[j]) })
                }
            }
        }
        XCTAssertEqual(sums.shape, [2, m, n])
        XCTAssertEqual(sums.ints(), want)

        let az1 = try integers([3], .int8, []), bz1 = try integers([7], .int8, [])
        let b8 = try random(&rng, .int8, [k, n])
        let (sa, sb, sy): (Float, Float, Float) = (0.05, 0.02, 0.3)
        let y = try run("QLinearMatMul", [a, Tensor([sa], shape: []), az1, b8, Tensor([sb], shape: []), bz1,
                                          Tensor([sy], shape: []), try integers([-4], .int8, [])])[0]
        let b8v = b8.ints()
        var expected: [Int] = []
        for p in 0..<2 {
            for i in 0..<m {
                for j in 0..<n {
                    let sum = (0..<k).reduce(0) { $0 + (av[(p * m + i) * k + $1] - 3) * (b8v[$1 * n + j] - 7) }
                    expected.append(saturate(Double(Float(sum) * (sa * sb / sy)), -4, .int8))
                }
            }
        }
        XCTAssertEqual(y.dtype, .int8)
        XCTAssertEqual(y.ints(), expected)
    }

    func testQGemmWithBiasTransposeAndPerColumnScales() throws {
        var rng = SeededGenerator(seed: 1405)
        let (m, k, n) = (2, 6, 3)
        let a = try random(&rng, .uint8, [m, k]), b = try random(&rng, .int8, [n, k])
        let bias = (0..<n).map { _ in rng.int(-500...500) }
        let bs: [Float] = [0.01, 0.02, 0.03]
        let inputs: [Tensor?] = [a, Tensor([0.04], shape: []), try integers([128], .uint8, []), b, Tensor(bs, shape: [n]),
                                 try integers([0, 0, 0], .int8, [n]), try integers(bias, .int32, [n])]
        let (av, bv) = (a.ints(), b.ints())
        let sums = (0..<(m * n)).map { i in
            (0..<k).reduce(bias[i % n]) { $0 + (av[(i / n) * k + $1] - 128) * bv[(i % n) * k + $1] }
        }
        let real = try run("QGemm", domain: OpRegistry.microsoftDomain, inputs, attributes: ["transB": .int(1), "alpha": .float(0.5)])[0]
        assertClose(real, sums.indices.map { Float(sums[$0]) * (0.5 * 0.04 * bs[$0 % n]) }, shape: [m, n], rtol: 0, atol: 0)
        let q = try run("QGemm", domain: OpRegistry.microsoftDomain, inputs + [Tensor([0.2], shape: []), try integers([100], .uint8, [])],
                        attributes: ["transB": .int(1), "alpha": .float(0.5)])[0]
        XCTAssertEqual(q.ints(), sums.indices.map { saturate(Double(Float(sums[$0]) * (0.5 * 0.04 * bs[$0 % n] / 0.2)), 100, .uint8) })
    }

    func testQLinearAddMulAndGlobalAveragePoolMatchNaiveLoops() throws {
        var rng = SeededGenerator(seed: 1406)
        let a = try random(&rng, .uint8, [2, 3, 4]), b = try random(&rng, .uint8, [3, 1])
        let (sa, sb, sc): (Float, Float, Float) = (0.03, 0.07, 0.05)
        let inputs: [Tensor?] = [a, Tensor([sa], shape: []), try integers([120], .uint8, []), b, Tensor([sb], shape: []),
                                 try integers([130], .uint8, []), Tensor([sc], shape: []), try integers([125], .uint8, [])]
        let (av, bv) = (a.ints(), b.ints())
        for multiplies in [false, true] {
            let y = try run(multiplies ? "QLinearMul" : "QLinearAdd", domain: OpRegistry.microsoftDomain, inputs)[0]
            XCTAssertEqual(y.ints(), av.indices.map { i in
                let x = sa * Float(av[i] - 120), z = sb * Float(bv[(i / 4) % 3] - 130)
                return saturate(Double((multiplies ? x * z : x + z) / sc), 125, .uint8)
            })
        }
        let pooled = try run("QLinearGlobalAveragePool", domain: OpRegistry.microsoftDomain,
                             [a, Tensor([sa], shape: []), try integers([120], .uint8, []), Tensor([sc], shape: []), try integers([125], .uint8, [])])[0]
        XCTAssertEqual(pooled.shape, [2, 3, 1])
        XCTAssertEqual(pooled.ints(), (0..<6).map { p in
            let sum = (0..<4).reduce(0) { $0 + av[p * 4 + $1] } - 4 * 120
            return saturate(Double(Float(sum) * (sa / (sc * 4))), 125, .uint8)
        })
    }

    func testContribOpsImportOnlyInTheirDomain() throws {
        XCTAssertNotNil(OpRegistry.schema("QLinearAdd", domain: OpRegistry.microsoftDomain))
        XCTAssertNil(OpRegistry.schema("QLinearAdd"))
        XCTAssertNil(OpRegistry.schema("FusedGemm", domain: OpRegistry.microsoftDomain))
    }
}

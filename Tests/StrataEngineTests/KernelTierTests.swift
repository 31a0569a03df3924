import CStrataKernels
import Foundation
import StrataAnalysis
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataEngine

/// The kernel tiers: which ones a CPU runs, how `STRATA_ISA` chooses, and that every tier computes
/// the same bits as the generic one in every C kernel (each tier builds the same kernel source over
/// eight-lane operations that round alike), except where one of the two rounds multiply-adds twice
/// (the generic tier on x86): kernels with multiply-adds are then compared with a tolerance. Only
/// the AVX-512 GEMM has no counterpart elsewhere (the convolution tests cover it).
final class KernelTierTests: XCTestCase {
    private var previous = KernelTier.active

    override func setUp() { previous = KernelTier.active }

    override func tearDown() { KernelTier.force(previous) }

    func testAvailableTiersFormTheChainUpToTheBest() {
        let available = KernelTier.available
        XCTAssertEqual(available.first, .generic)
        XCTAssertEqual(available.last, KernelTier.best)
        #if arch(x86_64)
        XCTAssertFalse(available.contains(.neon))
        if KernelTier.best == .avx512 { XCTAssertTrue(available.contains(.avx2)) }
        // Baseline x86-64 has no FMA instruction: only the generic tier rounds multiply-adds twice.
        XCTAssertEqual(KernelTier.allCases.filter(Self.fusesMultiplyAdds), [.avx2, .avx512])
        #elseif arch(arm64)
        XCTAssertEqual(available, [.generic, .neon])
        XCTAssertEqual(KernelTier.allCases.filter(Self.fusesMultiplyAdds), [.generic, .neon])
        #endif
        for tier in KernelTier.allCases {
            XCTAssertEqual(String(cString: strata_isa_name(Int32(KernelTier.allCases.firstIndex(of: tier)!))), tier.rawValue)
        }
    }

    func testForcingATierMakesItActive() {
        for tier in KernelTier.available {
            KernelTier.force(tier)
            XCTAssertEqual(KernelTier.active, tier)
            XCTAssertEqual(BlockedGemm.native, tier == .avx512)
        }
        for index in 0..<Int32(STRATA_ISA_COUNT.rawValue) where strata_isa_supported(index) == 0 {
            XCTAssertEqual(strata_isa_select(index), -1)
        }
        XCTAssertEqual(strata_isa_select(Int32(STRATA_ISA_COUNT.rawValue)), -1)
        XCTAssertEqual(strata_isa_select(-1), -1)
    }

    /// STRATA_ISA: unset, empty or an available tier is fine; another tier of this or another
    /// architecture is refused as unsupported, anything else as invalid input.
    func testEnvironmentVariableIsChecked() throws {
        let saved = getenv("STRATA_ISA").map { String(cString: $0) }
        defer {
            if let saved { setenv("STRATA_ISA", saved, 1) } else { unsetenv("STRATA_ISA") }
        }
        unsetenv("STRATA_ISA")
        XCTAssertNoThrow(try KernelTier.checkEnvironment())
        setenv("STRATA_ISA", "", 1)
        XCTAssertNoThrow(try KernelTier.checkEnvironment())
        for tier in KernelTier.allCases {
            setenv("STRATA_ISA", tier.rawValue, 1)
            if KernelTier.available.contains(tier) {
                XCTAssertNoThrow(try KernelTier.checkEnvironment(), tier.rawValue)
            } else {
                XCTAssertThrowsError(try KernelTier.checkEnvironment()) { error in
                    let error = error as? StrataError
                    XCTAssertEqual(error?.kind, .unsupported)
                    XCTAssertEqual(error?.description.hasPrefix("STRATA_ISA=\(tier.rawValue): this CPU does not run"), true,
                                   error?.description ?? "")
                }
            }
        }
        for text in ["AVX2", "sse4", "avx2 ", "auto"] {
            setenv("STRATA_ISA", text, 1)
            XCTAssertThrowsError(try KernelTier.checkEnvironment()) { error in
                XCTAssertEqual((error as? StrataError)?.kind, .invalidInput, text)
                XCTAssertEqual((error as? StrataError)?.description,
                               "STRATA_ISA=\(text): not a kernel tier; this CPU runs "
                               + KernelTier.available.map(\.rawValue).joined(separator: ", "))
            }
        }
    }

    // MARK: Every tier against the generic one

    /// How far a kernel's values may move where one tier rounds multiply-adds twice (`ToleranceRule`:
    /// |got − want| ≤ atol + rtol·|want|, NaN where the other has NaN, infinities equal). These are
    /// this test's own rules, tighter or looser than the policy's as the rounding at hand needs.
    private enum Tolerance {
        /// exp's reduction and polynomial rounded twice move the functions by a few ulps (at most
        /// about 2.4e-7 absolute, or 2.5e-5 relative where GELU cancels to values below 1e-5).
        static let functions = ToleranceRule(rtol: 2e-6, atol: 2e-6)
        /// Sums of up to 25 (depthwise) or 200 (GEMV) products of values below 4 in magnitude: the
        /// error bound n·2⁻²⁴·Σ|terms| reaches about 1e-4 (observed: below 1e-5).
        static let sums = ToleranceRule(rtol: 1e-4, atol: 1e-4)
    }

    private static func fusesMultiplyAdds(_ tier: KernelTier) -> Bool {
        strata_isa_fused_multiply_add(Int32(KernelTier.allCases.firstIndex(of: tier)!)) != 0
    }

    /// `run` once per available tier; every tier's values must have the generic tier's bits, or, for
    /// a kernel with multiply-adds (`tolerance` given) where only one of the two tiers fuses them,
    /// be within the tolerance.
    private func assertTiersAgree(_ what: String, tolerance: ToleranceRule? = nil, file: StaticString = #filePath,
                                  line: UInt = #line, _ run: () -> [Float]) {
        KernelTier.force(.generic)
        let reference = run()
        for tier in KernelTier.available where tier != .generic {
            KernelTier.force(tier)
            let got = run()
            XCTAssertEqual(got.count, reference.count, "\(what), \(tier)", file: file, line: line)
            if let tolerance, Self.fusesMultiplyAdds(tier) != Self.fusesMultiplyAdds(.generic) {
                let wide: [Double] = got.map { Double($0) }, wanted: [Double] = reference.map { Double($0) }
                let message = "\(what): the \(tier.rawValue) kernels against the generic ones"
                assertClose(wide, wanted, tolerance, message, file: file, line: line)
            } else if let i = got.indices.first(where: { $0 < reference.count && got[$0].bitPattern != reference[$0].bitPattern }) {
                XCTFail("\(what): the \(tier.rawValue) kernels give \(got[i]) at \(i), generic \(reference[i])", file: file, line: line)
            }
        }
    }

    /// `run` gives the same bits on each of `tiers` this CPU runs (where the tolerance of
    /// `assertTiersAgree` would hide a difference: tiers that fuse multiply-adds against the generic
    /// one that does not).
    private func assertSameBits(_ tiers: [KernelTier], _ what: String, file: StaticString = #filePath, line: UInt = #line,
                                _ run: () -> [Float]) {
        let present = tiers.filter(KernelTier.available.contains)
        guard let first = present.first else { return }
        KernelTier.force(first)
        let reference = run()
        for tier in present.dropFirst() {
            KernelTier.force(tier)
            let got = run()
            if let i = got.indices.first(where: { got[$0].bitPattern != reference[$0].bitPattern }) {
                XCTFail("\(what): the \(tier.rawValue) kernels give \(got[i]) at \(i), \(first.rawValue) \(reference[i])",
                        file: file, line: line)
            }
        }
    }

    /// Seeded values in [-scale, scale), with the specials every kernel must carry through alike.
    private static func values(_ count: Int, seed: UInt64, scale: Float = 1, specials: Bool = false) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        var v = (0..<count).map { _ in rng.float() * scale }
        if specials {
            let special: [Float] = [0, -0.0, .nan, .infinity, -.infinity, 88.72, 88.73, -87, -87.01, 1e-30, -1e-30,
                                    .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.05, -0.05, 4, -4]
            for (i, s) in special.enumerated() where i * 7 < count { v[i * 7] = s }
        }
        return v
    }

    func testActivationsAndUnaryFunctionsAgree() {
        // Odd counts: the zero-padded last vector too.
        for (count, scale) in [(1003, Float(100)), (517, 8), (9, 0.1)] {
            let x = Self.values(count, seed: UInt64(count), scale: scale, specials: true)
            let bias: [Float] = [0.375]
            for op in 0...Int32(STRATA_UNARY_ERF.rawValue) {
                assertTiersAgree("unary \(op), scale \(scale)", tolerance: Tolerance.functions) {
                    var y = [Float](repeating: 0, count: count)
                    strata_unary(op, x, &y, count)
                    return y
                }
            }
            let activations: [FusedActivation] = [.relu, .clip(low: -1.5, high: 2.5), .leakyRelu(alpha: 0.2), .sigmoid, .silu,
                                                   .hardSigmoid(alpha: 0.2, beta: 0.5), .hardSwish,
                                                   .geluErf(divisor: 1.4142135, factor: 0.5)]
            for activation in activations {
                for withBias in [false, true] {
                    let usesExp = activation == .sigmoid || activation == .silu || activation == .geluErf(divisor: 1.4142135, factor: 0.5)
                    assertTiersAgree("\(activation), bias \(withBias), scale \(scale)", tolerance: usesExp ? Tolerance.functions : nil) {
                        var y = [Float](repeating: 0, count: count)
                        var ep = activation.epilogue(bias: nil)
                        bias.withUnsafeBufferPointer { b in strata_epilogue_apply(x, &y, count, withBias ? b.baseAddress : nil, &ep) }
                        return y
                    }
                }
            }
        }
    }

    /// The AVX-512 tier applies activations sixteen lanes at a time (its own code, not the 8-lane
    /// template); both x86 tiers fuse multiply-adds, so it must give the AVX2 tier's bits exactly,
    /// specials, bias and ragged tails included.
    func testSixteenLaneActivationsGiveTheEightLaneBits() throws {
        guard KernelTier.available.contains(.avx512) else { throw XCTSkip("this CPU has no AVX-512 tier") }
        let activations: [FusedActivation] = [.relu, .clip(low: -1.5, high: 2.5), .leakyRelu(alpha: 0.2), .sigmoid, .silu,
                                               .hardSigmoid(alpha: 0.2, beta: 0.5), .hardSwish,
                                               .geluErf(divisor: 1.4142135, factor: 0.5)]
        for (count, scale) in [(1003, Float(100)), (517, 8), (9, 0.1), (16, 90)] {
            let x = Self.values(count, seed: UInt64(count) &+ 7, scale: scale, specials: true)
            let bias: [Float] = [-0.625]
            for activation in activations {
                for withBias in [false, true] {
                    func run(_ tier: KernelTier) -> [Float] {
                        KernelTier.force(tier)
                        var y = [Float](repeating: 0, count: count)
                        var ep = activation.epilogue(bias: nil)
                        bias.withUnsafeBufferPointer { b in strata_epilogue_apply(x, &y, count, withBias ? b.baseAddress : nil, &ep) }
                        return y
                    }
                    let narrow = run(.avx2), wide = run(.avx512)
                    if let i = wide.indices.first(where: { wide[$0].bitPattern != narrow[$0].bitPattern }) {
                        XCTFail("\(activation), bias \(withBias), \(count) values: 16 lanes give \(wide[i]) for \(x[i]), 8 lanes \(narrow[i])")
                    }
                }
            }
        }
    }

    /// Softmax rows (the AVX-512 tier's own 16-lane code, the 8-lane template elsewhere): the x86
    /// tiers give the same bits, the generic one the same within the functions' tolerance, on rows
    /// of every length around the vector widths, spread wide enough that e^(x − max) falls below
    /// e^-87 (0) for some values, and with NaN and ±∞ in some rows.
    /// `strata_binary_f32` on every tier: each value the single float32 operation Swift computes, for
    /// each pair of steps (two runs, a value repeated on either side, both), with the specials, at
    /// lengths around the vectors' eight lanes; and in place.
    func testBinaryOperationsGiveTheSingleOperationsBits() {
        let operations: [(strata_binary_op, String, (Float, Float) -> Float)] = [
            (STRATA_BINARY_ADD, "add", { $0 + $1 }), (STRATA_BINARY_SUBTRACT, "subtract", { $0 - $1 }),
            (STRATA_BINARY_MULTIPLY, "multiply", { $0 * $1 }), (STRATA_BINARY_DIVIDE, "divide", { $0 / $1 }),
        ]
        for tier in KernelTier.available {
            KernelTier.force(tier)
            for (op, name, apply) in operations {
                for n in [0, 1, 7, 8, 9, 49, 1003] {
                    let x = Self.values(max(n, 1), seed: UInt64(n) &+ 3, scale: 50, specials: true)
                    let y = Self.values(max(n, 1), seed: UInt64(n) &+ 5, scale: 3, specials: true).reversed().map { $0 }
                    for (xs, ys) in [(1, 1), (1, 0), (0, 1), (0, 0)] {
                        var z = [Float](repeating: 7, count: n + 1)
                        strata_binary_f32(Int32(op.rawValue), x, Int32(xs), y, Int32(ys), &z, n)
                        for i in 0..<n where z[i].bitPattern != apply(x[i * xs], y[i * ys]).bitPattern
                            && !(z[i].isNaN && apply(x[i * xs], y[i * ys]).isNaN) {
                            XCTFail("\(tier.rawValue) \(name), steps \(xs), \(ys), \(n) values: \(z[i]) at \(i), want \(apply(x[i * xs], y[i * ys]))")
                            break
                        }
                        XCTAssertEqual(z[n], 7, "\(tier.rawValue) \(name): a value written past the end")
                    }
                    var inPlace = x
                    inPlace.withUnsafeMutableBufferPointer { p in
                        strata_binary_f32(Int32(op.rawValue), p.baseAddress!, 1, y, 1, p.baseAddress!, n)
                    }
                    // NaN for NaN: which operand's payload a NaN carries is the compiler's choice.
                    if let i = (0..<n).first(where: { inPlace[$0].bitPattern != apply(x[$0], y[$0]).bitPattern
                        && !(inPlace[$0].isNaN && apply(x[$0], y[$0]).isNaN) }) {
                        XCTFail("\(tier.rawValue) \(name) in place, \(n) values: \(inPlace[i]) at \(i), want \(apply(x[i], y[i]))")
                    }
                }
            }
        }
    }

    func testSoftmaxRowsAgree() {
        for n in [1, 7, 8, 9, 16, 17, 31, 32, 33, 197, 1000] {
            let rows = 5
            var x = Self.values(rows * n, seed: UInt64(n) &+ 11, scale: 60)
            // Row 1: −∞ (its weight 0) and a value 87.01 below the row's largest; row 2: +∞ (the row
            // becomes NaN); row 3: NaN.
            if n > 1 {
                let top = x[n ..< 2 * n].max()!
                x[n] = -.infinity
                x[n + n / 2] = top - 87.01
                x[2 * n + n / 2] = .infinity
                x[3 * n] = .nan
            }
            let run = { () -> [Float] in
                var y = [Float](repeating: 0, count: rows * n)
                strata_softmax_rows(x, &y, rows, n)
                return y
            }
            assertTiersAgree("softmax rows of \(n)", tolerance: Tolerance.functions, run)
            assertSameBits([.avx2, .avx512, .neon], "softmax rows of \(n)", run)
        }
    }

    /// The Erf op's vector kernel against double-precision erf on every tier: within 2 ulp on every
    /// 1013th float32 in ±4.5 (where its two formulas meet, at 1, and where it rounds to ±1), and
    /// exact on the specials. (GELU's erf, with an absolute error of 1.5e-7, is 0.1 % off at 1e-4.)
    func testErfIsWithinTwoUlpOnEveryTier() {
        var x: [Float] = stride(from: 0, to: Float(4.5).bitPattern, by: 1013).map { Float(bitPattern: $0) }
        x += x.map { -$0 }
        let specials: [Float] = [0, -0.0, .nan, .infinity, -.infinity, 1, -1, 1e-30, .leastNonzeroMagnitude, 3.92, 4, 10]
        x += specials
        for tier in KernelTier.available {
            KernelTier.force(tier)
            var y = [Float](repeating: 0, count: x.count)
            strata_unary(Int32(STRATA_UNARY_ERF.rawValue), x, &y, x.count)
            var worst: (ulps: Double, at: Float) = (0, 0)
            for (v, got) in zip(x, y) where v.isFinite {
                let want = Foundation.erf(Double(v))
                let ulps = abs(Double(got) - want) / Double(Float(want).ulp)
                if ulps > worst.ulps { worst = (ulps, v) }
            }
            XCTAssertLessThanOrEqual(worst.ulps, 2, "\(tier.rawValue): erf(\(worst.at)) is \(worst.ulps) ulp off")
            let special = Array(y.suffix(specials.count))
            XCTAssertEqual(special[0].bitPattern, Float(0).bitPattern, "\(tier.rawValue): erf(0)")
            XCTAssertEqual(special[1].bitPattern, Float(-0.0).bitPattern, "\(tier.rawValue): erf(-0) keeps the sign")
            XCTAssertTrue(special[2].isNaN, "\(tier.rawValue): erf(NaN)")
            XCTAssertEqual(Array(special[3...4]), [1, -1], "\(tier.rawValue): erf(±inf)")
            XCTAssertEqual(Array(special[9...11]), [1, 1, 1], "\(tier.rawValue): erf rounds to 1 from 3.92")
        }
    }

    /// Seeded 2-D window geometries: kernels 1–5, strides 1–3, dilations 1–2, pads 0–2, planes from
    /// one window up to 40 wide (several vector blocks and a ragged end).
    private static func windows(count: Int, seed: UInt64) -> [strata_window2d] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let (kh, kw) = (rng.int(1...5), rng.int(1...5))
            let (sh, sw) = (rng.pick([1, 1, 2, 3]), rng.pick([1, 1, 2, 2, 3]))
            let (dh, dw) = (rng.pick([1, 1, 2]), rng.pick([1, 1, 2]))
            let (top, left, bottom, right) = (rng.int(0...2), rng.int(0...2), rng.int(0...2), rng.int(0...2))
            let ih = (kh - 1) * dh + 1 + rng.int(0...20), iw = (kw - 1) * dw + 1 + rng.int(0...40)
            let oh = (ih + top + bottom - (kh - 1) * dh - 1) / sh + 1, ow = (iw + left + right - (kw - 1) * dw - 1) / sw + 1
            return strata_window2d(in_h: Int32(ih), in_w: Int32(iw), out_h: Int32(oh), out_w: Int32(ow),
                                   kernel_h: Int32(kh), kernel_w: Int32(kw), stride_h: Int32(sh), stride_w: Int32(sw),
                                   dilation_h: Int32(dh), dilation_w: Int32(dw), pad_top: Int32(top), pad_left: Int32(left))
        }
    }

    /// Windows whose output is as wide as their input at stride 1 (left and right pads adding up to
    /// the window's reach), which the unfolding copies as one run per row of `col`: 3×3 on a 7 × 7
    /// map, dilated, one-sided, 5×5 with more rows out than in, single columns and rows.
    private static let equalWidthWindows: [strata_window2d] = [
        (7, 7, 3, 3, 1, 1, 1, 1), (14, 14, 3, 3, 2, 2, 2, 2), (6, 9, 5, 5, 1, 1, 3, 2), (9, 5, 3, 3, 1, 1, 0, 2),
        (4, 11, 3, 3, 1, 1, 2, 0), (1, 1, 3, 3, 1, 1, 1, 1), (5, 1, 3, 1, 1, 1, 1, 0), (3, 8, 1, 3, 1, 2, 0, 2),
    ].map { (ih: Int, iw: Int, kh: Int, kw: Int, dh: Int, dw: Int, top: Int, left: Int) in
        let oh = ih + 2 * top - (kh - 1) * dh  // as many rows below as the top pad
        return strata_window2d(in_h: Int32(ih), in_w: Int32(iw), out_h: Int32(oh), out_w: Int32(iw), kernel_h: Int32(kh),
                               kernel_w: Int32(kw), stride_h: 1, stride_w: 1, dilation_h: Int32(dh), dilation_w: Int32(dw),
                               pad_top: Int32(top), pad_left: Int32(left))
    }

    /// The unfolding by its definition: row `c·taps + tap`, column `oh·out_w + ow` holds the input
    /// value that tap sees from that output position, 0 in the padding.
    private static func im2colByDefinition(_ x: [Float], _ g: strata_window2d, channels: Int) -> [Float] {
        let (kh, kw) = (Int(g.kernel_h), Int(g.kernel_w)), (oh, ow) = (Int(g.out_h), Int(g.out_w))
        var col = [Float](repeating: 0, count: channels * kh * kw * oh * ow)
        for c in 0..<channels {
            for i in 0..<kh {
                for j in 0..<kw {
                    for y in 0..<oh {
                        for z in 0..<ow {
                            let iy = y * Int(g.stride_h) - Int(g.pad_top) + i * Int(g.dilation_h)
                            let ix = z * Int(g.stride_w) - Int(g.pad_left) + j * Int(g.dilation_w)
                            guard iy >= 0, iy < Int(g.in_h), ix >= 0, ix < Int(g.in_w) else { continue }
                            col[((c * kh + i) * kw + j) * oh * ow + y * ow + z] = x[(c * Int(g.in_h) + iy) * Int(g.in_w) + ix]
                        }
                    }
                }
            }
        }
        return col
    }

    func testIm2colAndCol2imAgree() {
        for (i, window) in (Self.windows(count: 40, seed: 11) + Self.equalWidthWindows).enumerated() {
            var g = window
            let channels = 3, taps = Int(g.kernel_h * g.kernel_w), outSize = Int(g.out_h * g.out_w)
            let x = Self.values(channels * Int(g.in_h * g.in_w), seed: UInt64(i))
            let wanted = Self.im2colByDefinition(x, g, channels: channels)
            assertTiersAgree("im2col \(g)") {
                var col = [Float](repeating: .nan, count: channels * taps * outSize)
                strata_im2col_2d(x, &g, 0, Int32(channels * taps), 0, g.out_h, &col)
                if let at = col.indices.first(where: { col[$0] != wanted[$0] }) {
                    XCTFail("im2col \(g): \(col[at]) at \(at), by its definition \(wanted[at])")
                }
                return col
            }
            // A band of output rows unfolds to those rows' columns of the whole unfolding.
            let width = Int(g.out_w), first = Int(g.out_h) / 3, end = Int(g.out_h) - Int(g.out_h) / 4
            assertTiersAgree("im2col rows \(first)..<\(end) of \(g)") {
                var whole = [Float](repeating: .nan, count: channels * taps * outSize)
                strata_im2col_2d(x, &g, 0, Int32(channels * taps), 0, g.out_h, &whole)
                let columns = (end - first) * width
                var band = [Float](repeating: .nan, count: channels * taps * columns)
                strata_im2col_2d(x, &g, 0, Int32(channels * taps), Int32(first), Int32(end), &band)
                var differing: [Float] = []
                for r in 0..<channels * taps where Array(band[r * columns..<(r + 1) * columns])
                    != Array(whole[r * outSize + first * width..<r * outSize + end * width]) {
                    differing.append(Float(r))
                }
                XCTAssertEqual(differing, [], "rows of the band that differ from the whole unfolding")
                return band
            }
            let col = Self.values(channels * taps * outSize, seed: UInt64(100 + i))
            assertTiersAgree("col2im \(g)") {
                var sum = [Float](repeating: 0.5, count: x.count)
                strata_col2im_2d(col, &g, 0, Int32(channels), &sum)
                return sum
            }
        }
    }

    func testDepthwiseConvolutionsAgree() {
        let activations: [FusedActivation?] = [nil, .relu, .silu, .hardSwish, .clip(low: 0, high: 6)]
        // Besides the random windows, stride-1 3×3 and 5×5 ones, which the per-plane kernel computes
        // four rows at a time (ragged heights and widths).
        // The AVX-512 tier's 16-lane kernel takes them 32 outputs at a time, the last vector masked
        // (widths 14, 28, 33, 47; heights that leave one to three rows after the blocks of four).
        let rowBlocks = [(17, 30, 3, 1), (9, 29, 5, 1), (30, 32, 5, 1), (14, 14, 3, 1), (19, 121, 3, 2), (13, 70, 5, 2),
                         (6, 28, 5, 1), (7, 33, 3, 1), (10, 47, 5, 1), (11, 56, 5, 2), (5, 65, 3, 2), (1, 14, 3, 1)].map {
            (h: Int, w: Int, k: Int, s: Int) in
            strata_window2d(in_h: Int32(h), in_w: Int32(w), out_h: Int32((h - 1) / s + 1), out_w: Int32((w - 1) / s + 1),
                            kernel_h: Int32(k), kernel_w: Int32(k), stride_h: Int32(s), stride_w: Int32(s), dilation_h: 1,
                            dilation_w: 1, pad_top: Int32(k / 2), pad_left: Int32(k / 2))
        }
        // The AVX-512 kernel's own windows (3×3 and 5×5, stride 1 or 2) with every pad from 0 to 2 on
        // each side, so odd and even left pads, inputs wider than the outputs read, rows and columns
        // that start or end in the padding.
        var rng = SeededGenerator(seed: 14)
        let padded = (0..<40).map { _ -> strata_window2d in
            let k = rng.pick([3, 5]), s = rng.pick([1, 2])
            let (top, left, bottom, right) = (rng.int(0...2), rng.int(0...2), rng.int(0...2), rng.int(0...2))
            let ih = rng.int(max(1, k - top - bottom)...40), iw = rng.int(max(1, k - left - right)...70)
            return strata_window2d(in_h: Int32(ih), in_w: Int32(iw), out_h: Int32((ih + top + bottom - k) / s + 1),
                                   out_w: Int32((iw + left + right - k) / s + 1), kernel_h: Int32(k), kernel_w: Int32(k),
                                   stride_h: Int32(s), stride_w: Int32(s), dilation_h: 1, dilation_w: 1,
                                   pad_top: Int32(top), pad_left: Int32(left))
        }
        for (i, window) in (Self.windows(count: 50, seed: 12) + rowBlocks + padded).enumerated() {
            var g = window
            let taps = Int(g.kernel_h * g.kernel_w), inSize = Int(g.in_h * g.in_w), outSize = Int(g.out_h * g.out_w)
            let channels = 1 + i % 19  // up to three blocks of eight (two of sixteen) in one interleaved call
            let x = Self.values(channels * inSize, seed: UInt64(i), scale: 4, specials: i % 5 == 0)
            let w = Self.values(channels * taps, seed: UInt64(200 + i))
            let bias = Self.values(channels, seed: UInt64(300 + i))
            var ep = activations[i % activations.count]?.epilogue(bias: nil) ?? strata_epilogue()
            let plane = {
                var y = [Float](repeating: .nan, count: outSize)
                let scratch = [Float](repeating: 0, count: strata_depthwise_scratch(&g))
                scratch.withUnsafeBufferPointer { s in
                    let p = UnsafeMutablePointer(mutating: s.baseAddress!)
                    strata_depthwise_prepare(&g, p)
                    strata_depthwise_plane(x, w, bias[0], &g, &y, p, &ep)
                }
                return y
            }
            assertTiersAgree("depthwise plane \(g)", tolerance: Tolerance.sums, plane)
            assertSameBits([.avx2, .avx512], "depthwise plane \(g)", plane)
            let interleaved = {
                var y = [Float](repeating: .nan, count: channels * outSize)
                var scratch = [Float](repeating: .nan, count: strata_depthwise8_scratch(&g))
                strata_depthwise8(x, inSize, Int32(channels), w, i % 3 == 0 ? nil : bias, &g, &y, outSize, &scratch, &ep)
                return y
            }
            assertTiersAgree("\(channels) interleaved depthwise planes \(g)", tolerance: Tolerance.sums, interleaved)
            // The AVX-512 tier's sixteen lanes sum each output as the eight do.
            assertSameBits([.avx2, .avx512], "\(channels) interleaved depthwise planes \(g)", interleaved)
        }
    }

    /// The Winograd transforms on ragged planes (sizes 1…19, pads 0…2, tile rows from the middle of
    /// the plane), 1…8 channels per call, with specials in the input; their sums are of up to nine
    /// terms scaled by at most 25 (Tolerance.sums where one tier rounds multiply-adds twice).
    func testWinogradTransformsAgree() {
        var rng = SeededGenerator(seed: 13)
        for i in 0..<30 {
            let (ih, iw) = (rng.int(1...19), rng.int(1...19))
            let (top, left, bottom, right) = (rng.int(0...2), rng.int(0...2), rng.int(0...2), rng.int(0...2))
            let (oh, ow) = (ih + top + bottom - 2, iw + left + right - 2)
            guard oh > 0, ow > 0 else { continue }
            var g = strata_window2d(in_h: Int32(ih), in_w: Int32(iw), out_h: Int32(oh), out_w: Int32(ow), kernel_h: 3, kernel_w: 3,
                                    stride_h: 1, stride_w: 1, dilation_h: 1, dilation_w: 1, pad_top: Int32(top), pad_left: Int32(left))
            let tilesW = (ow + 3) / 4, tilesH = (oh + 3) / 4
            let first = rng.int(0...(tilesH - 1)), last = rng.int((first + 1)...tilesH)
            let tiles = (last - first) * tilesW, channels = 1 + i % 8, ld = channels + rng.int(0...3)
            let x = Self.values(channels * ih * iw, seed: UInt64(600 + i), scale: 4, specials: i % 4 == 0)
            let w = Self.values(channels * 7 * 9, seed: UInt64(700 + i))
            let m = Self.values(36 * tiles * ld, seed: UInt64(800 + i), scale: 4)
            let bias = Self.values(channels, seed: UInt64(900 + i))
            var ep = [nil, FusedActivation.relu, .silu][i % 3]?.epilogue(bias: nil) ?? strata_epilogue()
            let label = "\(channels) channels, tile rows \(first)..<\(last) of \(g)"
            assertTiersAgree("Winograd input, \(label)", tolerance: Tolerance.sums) {
                var v = [Float](repeating: .nan, count: 36 * tiles * ld)
                var scratch = [Float](repeating: .nan, count: strata_winograd_scratch(&g, Int32(last - first)))
                strata_winograd_input(x, ih * iw, Int32(channels), &g, Int32(first), Int32(last), &v, tiles * ld, ld, &scratch)
                // Lanes past `channels` in each row are not written.
                return v.enumerated().filter { $0.offset % ld < channels }.map(\.element)
            }
            assertTiersAgree("Winograd weights, \(channels) input channels", tolerance: Tolerance.sums) {
                var u = [Float](repeating: .nan, count: 36 * channels * 7)
                strata_winograd_weights(w, Int32(channels), 7, &u, channels * 7, 7)
                return u
            }
            assertTiersAgree("Winograd output, \(label)", tolerance: Tolerance.sums) {
                var y = [Float](repeating: .nan, count: channels * oh * ow)
                var scratch = [Float](repeating: .nan, count: strata_winograd_scratch(&g, Int32(last - first)))
                strata_winograd_output(m, tiles * ld, ld, Int32(channels), i % 2 == 0 ? bias : nil, &g, Int32(first), Int32(last),
                                       &y, oh * ow, &scratch, &ep)
                // Only the output rows of these tiles are written.
                let rows = (4 * first)..<Swift.min(4 * last, oh)
                return (0..<channels).flatMap { c in y[(c * oh + rows.lowerBound) * ow..<(c * oh + rows.upperBound) * ow] }
            }
        }
    }

    func testPoolsAgree() {
        for (i, window) in Self.windows(count: 50, seed: 13).enumerated() {
            var g = window
            let x = Self.values(Int(g.in_h * g.in_w), seed: UInt64(i), scale: 10, specials: i % 4 == 0)
            let rowScale = Self.values(Int(g.out_h), seed: UInt64(400 + i)), colScale = Self.values(Int(g.out_w), seed: UInt64(500 + i))
            for max in [true, false] {
                assertTiersAgree("\(max ? "max" : "average") pool \(g)") {
                    var y = [Float](repeating: .nan, count: Int(g.out_h * g.out_w))
                    var scratch = [Float](repeating: .nan, count: strata_pool2d_scratch(&g))
                    strata_pool2d_prepare(&g, max ? -.infinity : 0, &scratch)
                    if max {
                        strata_maxpool2d_plane(x, &g, &y, &scratch)
                    } else {
                        strata_avgpool2d_plane(x, &g, rowScale, colScale, &y, &scratch)
                    }
                    return y
                }
            }
        }
    }

    func testMatrixVectorProductsAgree() {
        for k in [1, 7, 8, 31, 32, 77, 200] {
            let m = 13, lda = k + 3
            let a = Self.values(m * lda, seed: UInt64(k)), b = Self.values(k, seed: UInt64(k + 1000))
            let bias = Self.values(m, seed: UInt64(k + 2000))
            for activation in [nil, FusedActivation.leakyRelu(alpha: 0.1)] {
                assertTiersAgree("gemv k \(k), \(String(describing: activation))", tolerance: Tolerance.sums) {
                    var c = [Float](repeating: .nan, count: 2 * m)
                    bias.withUnsafeBufferPointer { bias in
                        var ep = activation?.epilogue(bias: bias.baseAddress) ?? strata_epilogue(bias: bias.baseAddress, activation: 0, alpha: 0, beta: 0, column_bias: nil)
                        strata_sgemv_rows(Int32(k), a, Int32(lda), b, 2, Int32(m), &c, 2, &ep)
                    }
                    return c
                }
            }
            // A row's bits do not depend on the rows computed with it: the threads cut rows anywhere.
            let previous = KernelTier.active
            defer { KernelTier.force(previous) }
            for tier in KernelTier.available {
                KernelTier.force(tier)
                var together = [Float](repeating: .nan, count: m), alone = together
                strata_sgemv_rows(Int32(k), a, Int32(lda), b, 0, Int32(m), &together, 1, nil)
                for i in 0..<m { strata_sgemv_rows(Int32(k), a, Int32(lda), b, Int32(i), Int32(i + 1), &alone, 1, nil) }
                XCTAssertEqual(together.map(\.bitPattern), alone.map(\.bitPattern), "gemv k \(k), \(tier): rows in blocks and one by one")
            }
        }
    }

    /// The statistics' block sums and run maxima (`strata_block_sums_f32`, `strata_run_max_f32`) have no
    /// multiply-adds and add their double lanes in one order: every tier gives the generic tier's bits,
    /// with or without a clamp, on values with NaN, ±∞, ±0 and subnormals, in blocks of every length
    /// class (empty, a tail alone, whole vectors, both).
    func testStatisticsKernelsAgree() {
        var r = SeededGenerator(seed: 77)
        let values: [Float] = (0 ..< 8195).map { _ in
            switch r.below(60) {
            case 0: return .nan
            case 1: return r.below(2) == 0 ? .infinity : -.infinity
            case 2: return -0.0
            case 3: return 0
            case 4: return .leastNonzeroMagnitude * Float(Int(r.below(5)) - 2)
            case 5: return 6
            default: return Float((r.unit() - 0.4) * 20)
            }
        }
        let finite = values.map { $0.isFinite ? $0 : 1.5 }
        let bands = strata_bands(a0: -0.001, a1: 0.001, b0: 5.999, b1: 6.001)
        func results() -> [String] {
            var rows: [String] = []
            for data in [values, finite] {
                for n in [0, 1, 7, 8, 9, 64, 8192, 8195] {
                    for (lo, hi) in [(-Float.infinity, Float.infinity), (0, 6), (-1, 1)] {
                        var sums = strata_block_sums()
                        var inside: Int64 = -1
                        let (m, withBands) = data.withUnsafeBufferPointer { x -> (Float, Float) in
                            strata_block_sums_f32(x.baseAddress!, n, lo, hi, &sums)
                            var b = bands
                            let plain = strata_run_max_f32(x.baseAddress!, n, nil, lo, hi, nil)
                            return (plain, strata_run_max_f32(x.baseAddress!, n, &b, lo, hi, &inside))
                        }
                        rows.append("\(n) [\(lo), \(hi)]: \(sums.deviation.bitPattern) \(sums.squares.bitPattern) "
                                    + "\(sums.low.bitPattern) \(sums.high.bitPattern) \(sums.zeros) \(sums.negatives) "
                                    + "\(m.bitPattern) \(withBands.bitPattern) \(inside)")
                    }
                }
            }
            return rows
        }
        KernelTier.force(.generic)
        let generic = results()
        // The generic tier itself against the definitions, on the finite data with no clamp.
        let all = Array(finite.prefix(8195))
        var sums = strata_block_sums()
        strata_block_sums_f32(all, all.count, -.infinity, .infinity, &sums)
        XCTAssertEqual(sums.zeros, Int64(all.filter { $0 == 0 }.count))
        XCTAssertEqual(sums.negatives, Int64(all.filter { $0 < 0 }.count))
        XCTAssertEqual(sums.low, all.min())
        XCTAssertEqual(sums.high, all.max())
        let direct = all.reduce(0.0) { $0 + (Double($1) - Double(all[0])) }
        XCTAssertEqual(sums.deviation, direct, accuracy: 1e-9 * all.reduce(0.0) { $0 + abs(Double($1)) })
        var b = bands
        var inside: Int64 = 0
        XCTAssertEqual(strata_run_max_f32(values, values.count, &b, 0, 6, &inside), values.filter { !$0.isNaN }.max())
        XCTAssertEqual(inside, Int64(values.filter { v in
            let y = min(max(v, 0), 6)
            return !v.isNaN && (abs(y) <= 0.001 || abs(y - 6) <= 0.001)
        }.count))
        for tier in KernelTier.available where tier != .generic {
            KernelTier.force(tier)
            let got = results()
            for (a, g) in zip(got, generic) where a != g { XCTFail("\(tier): \(a) where the generic tier gives \(g)") }
        }
    }
}

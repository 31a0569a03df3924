import Foundation
import CStrataKernels
import StrataTestSupport
import XCTest
import StrataCore
import StrataAnalysis
@testable import StrataEngine

/// Conv and ConvTranspose against direct loops over seeded random shapes and attributes.
final class LinearConvTests: KernelTierTestCase {
    /// Direct N-D convolution with resolved pads.
    private func referenceConv(x: Tensor, w: Tensor, bias: [Float]?, group: Int, strides: [Int], dilations: [Int],
                               pads: [Int]) -> (values: [Float], shape: [Int]) {
        let r = x.rank - 2
        let (batch, channels, maps) = (x.shape[0], x.shape[1], w.shape[0])
        let inSp = Array(x.shape.dropFirst(2)), kernel = Array(w.shape.dropFirst(2))
        let outSp = (0..<r).map { (i: Int) -> Int in
            let span: Int = (kernel[i] - 1) * dilations[i] + 1
            let room: Int = inSp[i] + pads[i] + pads[r + i] - span
            return room / strides[i] + 1
        }
        let (xv, wv) = (x.floats(), w.floats())
        let (xs, ws) = (linearStrides(x.shape), linearStrides(w.shape))
        let cg = channels / group, mg = maps / group
        var out: [Float] = []
        for n in 0..<batch {
            for m in 0..<maps {
                let g = m / mg
                for o in linearIndices(outSp) {
                    var sum: Double = Double(bias?[m] ?? 0)
                    for c in 0..<cg {
                        for k in linearIndices(kernel) {
                            var xi = n * xs[0] + (g * cg + c) * xs[1], inside = true
                            for a in 0..<r {
                                let p = o[a] * strides[a] - pads[a] + k[a] * dilations[a]
                                if p < 0 || p >= inSp[a] { inside = false; break }
                                xi += p * xs[2 + a]
                            }
                            guard inside else { continue }
                            var wi = m * ws[0] + c * ws[1]
                            for a in 0..<r { wi += k[a] * ws[2 + a] }
                            sum += Double(xv[xi]) * Double(wv[wi])
                        }
                    }
                    out.append(Float(sum))
                }
            }
        }
        return (out, [batch, maps] + outSp)
    }

    private struct ConvCase {
        var rank = 2, batch = 1, group = 1, groupChannels = 1, groupMaps = 1
        var input: [Int] = [], kernel: [Int] = [], strides: [Int] = [], dilations: [Int] = [], pads: [Int] = []
        var autoPad = "NOTSET", bias = true
    }

    private func check(_ c: ConvCase, seed: UInt64, tolerance: ToleranceRule = TolerancePolicy.kernel,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = SeededGenerator(seed: seed)
        let x = rng.tensor([c.batch, c.group * c.groupChannels] + c.input)
        let w = rng.tensor([c.group * c.groupMaps, c.groupChannels] + c.kernel)
        let bias = c.bias ? rng.floats(c.group * c.groupMaps) : nil
        var attributes: [String: Attribute] = [
            "group": .int(c.group), "strides": .ints(c.strides), "dilations": .ints(c.dilations), "auto_pad": .string(c.autoPad),
        ]
        if c.autoPad == "NOTSET" { attributes["pads"] = .ints(c.pads) }
        if rng.bool() { attributes["kernel_shape"] = .ints(c.kernel) }
        let pads = linearResolvedPads(autoPad: c.autoPad, input: c.input, kernel: c.kernel, strides: c.strides,
                                      dilations: c.dilations, pads: c.pads)
        let want = referenceConv(x: x, w: w, bias: bias, group: c.group, strides: c.strides, dilations: c.dilations, pads: pads)
        let inputs: [Tensor?] = [x, w] + (bias.map { [Tensor($0, shape: [$0.count])] } ?? [])
        let wanted: [Double] = want.values.map { Double($0) }
        forEachKernelTier(file: file, line: line) {
            let got = try runLinearKernel("Conv", inputs: inputs, attributes: attributes)[0]
            XCTAssertEqual(got.shape, want.shape, "shape \(c)", file: file, line: line)
            let values: [Double] = got.floats().map { Double($0) }
            assertClose(values, wanted, tolerance, "\(c)", file: file, line: line)
        }
        let inferred = try inferLinearTypes("Conv", inputs: [x.type, w.type] + (bias == nil ? [] : [ValueType(.float32, [.known(bias!.count)])]),
                                            attributes: attributes)
        XCTAssertEqual(inferred[0].shape?.concrete, want.shape, "type rule \(c)", file: file, line: line)
    }

    func testRandomConvolutions() throws {
        var rng = SeededGenerator(seed: 1)
        for trial in 0..<120 {
            var c = ConvCase()
            c.rank = rng.pick([1, 2, 2, 2, 3])
            c.batch = rng.int(1...2)
            c.group = rng.pick([1, 1, 2, 3])
            c.groupChannels = rng.int(1...3)
            c.groupMaps = rng.int(1...3)
            c.kernel = (0..<c.rank).map { _ in rng.int(1...3) }
            c.strides = (0..<c.rank).map { _ in rng.int(1...3) }
            c.dilations = (0..<c.rank).map { _ in rng.int(1...2) }
            c.autoPad = rng.pick(["NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"])
            c.pads = (0..<2 * c.rank).map { _ in rng.int(0...2) }
            c.input = (0..<c.rank).map { i in (c.kernel[i] - 1) * c.dilations[i] + 1 + rng.int(0...(c.rank == 3 ? 3 : 9)) }
            c.bias = rng.bool()
            try check(c, seed: UInt64(100 + trial))
        }
    }

    /// One input channel per group (with channel multipliers): the direct depthwise paths (per plane
    /// for wide outputs, eight interleaved channels for narrow ones, with full and partial blocks
    /// of eight), including widths long enough for the vector loops at strides 1, 2 and 3.
    func testDepthwiseConvolutions() throws {
        var rng = SeededGenerator(seed: 2)
        for trial in 0..<60 {
            var c = ConvCase()
            c.rank = rng.pick([1, 2, 2])
            c.batch = rng.pick([1, 1, 2])
            c.group = rng.pick([rng.int(1...6), rng.int(7...20)])
            c.groupChannels = 1
            c.groupMaps = rng.pick([1, 1, 2])
            c.kernel = (0..<c.rank).map { _ in rng.pick([1, 3, 3, 5]) }
            c.strides = (0..<c.rank).map { _ in rng.pick([1, 1, 2, 3]) }
            c.dilations = (0..<c.rank).map { _ in rng.pick([1, 1, 2]) }
            c.autoPad = rng.pick(["NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"])
            c.pads = (0..<2 * c.rank).map { _ in rng.int(0...3) }
            c.input = (0..<c.rank).map { i in (c.kernel[i] - 1) * c.dilations[i] + 1 + rng.int(0...40) }
            c.bias = rng.bool()
            try check(c, seed: UInt64(300 + trial))
        }
        // Stride-1 and stride-2 3×3 and 5×5 planes, which the per-plane kernel computes four rows at a time: heights
        // that leave one to three rows to the row-at-a-time loop, widths with and without a ragged
        // last block of 8, a bias or none.
        let rowBlocks: [(kernel: Int, stride: Int, input: [Int], pads: [Int])] = [
            (3, 1, [17, 30], [1, 1, 1, 1]), (3, 1, [14, 14], [1, 1, 1, 1]), (5, 1, [9, 29], [2, 2, 2, 2]),
            (5, 1, [30, 32], [2, 2, 2, 2]), (3, 1, [6, 40], [0, 1, 0, 1]), (3, 2, [19, 121], [1, 1, 1, 1]),
            (5, 2, [17, 130], [2, 2, 1, 2]),
        ]
        for (trial, t) in rowBlocks.enumerated() {
            var c = ConvCase()
            (c.group, c.groupChannels, c.groupMaps, c.kernel, c.strides, c.pads, c.input, c.bias) =
                (3, 1, 1, [t.kernel, t.kernel], [t.stride, t.stride], t.pads, t.input, trial % 2 == 0)
            c.dilations = [1, 1]
            try check(c, seed: UInt64(410 + trial))
        }
        // Strided outputs 29 to 56 wide, which also go through the interleaved kernel, with a
        // partial block of channels and uneven pads.
        for (trial, (kernel, input, pads)) in [(3, [9, 100], [1, 1, 0, 1]), (5, [12, 113], [2, 2, 2, 1]), (3, [7, 59], [0, 0, 0, 0])].enumerated() {
            var c = ConvCase()
            (c.group, c.groupChannels, c.groupMaps, c.kernel, c.strides, c.pads, c.input, c.bias) =
                (11, 1, 1, [kernel, kernel], [2, 2], pads, input, true)
            c.dilations = [1, 1]
            try check(c, seed: UInt64(400 + trial))
        }
        // Narrow planes (MobileNet's and EfficientNet's 14 × 14 and 7 × 7) with three blocks of eight
        // channels per image, the last partial, in a batch of three that the two threads split
        // across images: each call covers one image's share of the blocks.
        for (trial, (kernel, stride, input)) in [(3, 2, [14, 14]), (5, 1, [7, 7]), (3, 1, [7, 7])].enumerated() {
            var c = ConvCase()
            (c.batch, c.group, c.groupChannels, c.groupMaps, c.kernel, c.strides, c.input, c.bias) =
                (3, 21, 1, 1, [kernel, kernel], [stride, stride], input, true)
            c.pads = Array(repeating: kernel / 2, count: 4)
            c.dilations = [1, 1]
            try check(c, seed: UInt64(420 + trial))
        }
    }

    func testPointwiseAndResNetShapes() throws {
        var c = ConvCase()
        (c.group, c.groupChannels, c.groupMaps, c.kernel, c.strides, c.dilations, c.pads, c.input) =
            (1, 16, 24, [1, 1], [1, 1], [1, 1], [0, 0, 0, 0], [14, 14])
        try check(c, seed: 7)
        (c.groupChannels, c.groupMaps, c.kernel, c.strides, c.pads, c.input) = (3, 8, [7, 7], [2, 2], [3, 3, 3, 3], [32, 32])
        try check(c, seed: 8)
        (c.groupChannels, c.groupMaps, c.kernel, c.strides, c.pads, c.input) = (8, 8, [1, 1], [2, 2], [0, 0, 0, 0], [9, 9])
        try check(c, seed: 9)
        // Several row blocks with a ragged last one, several K blocks, ragged column panels.
        (c.groupChannels, c.groupMaps, c.kernel, c.strides, c.pads, c.input) = (40, 30, [3, 3], [1, 1], [1, 1, 1, 1], [11, 13])
        try check(c, seed: 10)
        (c.groupChannels, c.groupMaps, c.kernel, c.strides, c.pads, c.input) = (300, 13, [1, 1], [1, 1], [0, 0, 0, 0], [5, 7])
        try check(c, seed: 11)
        (c.group, c.groupChannels, c.groupMaps, c.kernel, c.input) = (2, 64, 50, [3, 3], [20, 9])
        try check(c, seed: 12)
        // A 1×1 map (squeeze-excitation): one output column, the GEMV path, K not a multiple of 8.
        (c.group, c.groupChannels, c.groupMaps, c.kernel, c.pads, c.input) = (1, 77, 13, [1, 1], [0, 0, 0, 0], [1, 1])
        try check(c, seed: 13)
        c.batch = 2
        try check(c, seed: 14)
    }

    /// Groups of several channels are shared among the threads whole (or in bands of output rows
    /// where a group's unfolding passes 1 MB), each computed on one thread: ResNeXt's 32 groups of 4
    /// and 16 channels on 14 × 14 and 7 × 7 maps, RegNet's groups of 8 at stride 2, grouped 1 × 1
    /// layers (ShuffleNet v1), a 1-D one, and groups of 8 channels × 9 taps over 130 × 64 outputs,
    /// which take three bands each. Against the definition, and with the same bits at 1, 2 and 3 threads.
    func testGroupedConvolutionsShareWholeGroupsAmongThreads() throws {
        var cases: [ConvCase] = []
        for (group, channels, maps, kernel, stride, input, batch) in [
            (32, 4, 4, 3, 1, [14, 14], 1), (8, 16, 16, 3, 1, [7, 7], 2), (6, 8, 8, 3, 2, [15, 15], 1),
            (3, 12, 20, 1, 1, [9, 11], 2), (2, 8, 4, 3, 1, [130, 64], 1), (5, 3, 2, 3, 1, [23], 2),
        ] {
            var c = ConvCase()
            c.rank = input.count
            (c.batch, c.group, c.groupChannels, c.groupMaps, c.input) = (batch, group, channels, maps, input)
            c.kernel = input.map { _ in kernel }
            c.strides = input.map { _ in stride }
            c.dilations = input.map { _ in 1 }
            c.pads = Array(repeating: kernel / 2, count: 2 * input.count)
            cases.append(c)
        }
        for (i, c) in cases.enumerated() {
            try check(c, seed: UInt64(40 + i))
            var rng = SeededGenerator(seed: UInt64(60 + i))
            let x = rng.tensor([c.batch, c.group * c.groupChannels] + c.input)
            let w = rng.tensor([c.group * c.groupMaps, c.groupChannels] + c.kernel)
            let b = Tensor(rng.floats(c.group * c.groupMaps), shape: [c.group * c.groupMaps])
            let attributes: [String: Attribute] = ["group": .int(c.group), "strides": .ints(c.strides), "pads": .ints(c.pads)]
            forEachKernelTier {
                let runs = try [1, 2, 3].map { threads in
                    try runLinearKernel("Conv", inputs: [x, w, b], attributes: attributes, threads: threads)[0].floats().map(\.bitPattern)
                }
                for (threads, run) in zip([2, 3], runs.dropFirst()) {
                    if let at = run.indices.first(where: { run[$0] != runs[0][$0] }) {
                        XCTFail("\(c): \(threads) threads give other bits than 1 from output \(at) on")
                    }
                }
            }
        }
    }

    /// Windows that mostly fall into padding run tap by tap over the outputs each tap reaches
    /// (`ConvProblem.runByTaps`): DeepLabV3's atrous 3×3 windows at dilations 12 and 24 on a 16 × 16
    /// map (at 24 only the centre tap reaches the input), a stride-2 dilated window, one-sided pads,
    /// a 3×3 window on a 1 × 3 map, a dilated 1-D one, batch 2, and windows whose output rows unfold
    /// past im2col's band (`ConvProblem.runsByTaps`), with and without a fused ReLU: against the
    /// definition, with the same bits at 1 and 3 threads, in every tier.
    func testWindowsMostlyInPaddingOrTooWideRunTapByTap() throws {
        let cases: [(x: [Int], w: [Int], strides: [Int], dilations: [Int], pads: [Int])] = [
            ([1, 6, 16, 16], [5, 6, 3, 3], [1, 1], [12, 12], [12, 12, 12, 12]),
            ([2, 4, 16, 16], [3, 4, 3, 3], [1, 1], [24, 24], [24, 24, 24, 24]),
            ([1, 3, 9, 11], [4, 3, 3, 3], [2, 2], [6, 6], [6, 6, 6, 6]),
            ([1, 5, 6, 7], [2, 5, 3, 3], [1, 1], [4, 5], [8, 0, 0, 10]),
            ([1, 7, 1, 3], [6, 7, 3, 3], [1, 1], [1, 1], [1, 1, 1, 1]),
            ([2, 3, 10], [4, 3, 5], [1], [8], [16, 16]),
            // Not mostly padding, but one output row unfolds to 1000 × 9 × 30 values, past im2col's band.
            ([1, 1000, 3, 30], [4, 1000, 3, 3], [1, 1], [2, 2], [2, 2, 2, 2]),
        ]
        var rng = SeededGenerator(seed: 71)
        for c in cases {
            let x = rng.tensor(c.x), w = rng.tensor(c.w), b = Tensor(rng.floats(c.w[0]), shape: [c.w[0]])
            let attributes: [String: Attribute] = ["strides": .ints(c.strides), "dilations": .ints(c.dilations), "pads": .ints(c.pads)]
            let want = referenceConv(x: x, w: w, bias: b.floats(), group: 1, strides: c.strides, dilations: c.dilations, pads: c.pads)
            let node = OneNode.node("Conv", [x, w, b], attributes: attributes)
            forEachKernelTier {
                let kernel = try OneNode.kernel(node, [x, w, b], constantInputs: true) as! ConvKernel
                XCTAssertNotNil(kernel.tapWeight, "\(c): not run tap by tap")
                for activation in [nil, FusedActivation.relu] {
                    let wanted = want.values.map { Double(activation == nil ? $0 : Swift.max($0, 0)) }
                    var first: [UInt32]? = nil
                    for threads in [1, 3] {
                        let got = try XCTUnwrap(kernel.run([x, w, b], activation: activation, context: ExecutionContext(threads: threads)))[0]
                        XCTAssertEqual(got.shape, want.shape, "\(c)")
                        assertClose(got.floats().map { Double($0) }, wanted, TolerancePolicy.kernel, "\(c), \(String(describing: activation))")
                        let bits = got.floats().map(\.bitPattern)
                        if let first, let at = bits.indices.first(where: { bits[$0] != first[$0] }) {
                            XCTFail("\(c): 3 threads give other bits than 1 from output \(at) on")
                        }
                        first = bits
                    }
                }
            }
        }
    }

    /// The tap-major copy takes the weight's place where the weight's bytes can go: a Keras kernel
    /// permuted on first use is permuted for the copy alone and never kept (`makeResident` leaves it
    /// unmade too), and the file's pages under an ONNX weight are let go once. Either weight still
    /// reads its values afterwards, and the convolution gives the definition's.
    func testTheTapMajorCopyTakesTheWeightsPlace() throws {
        var rng = SeededGenerator(seed: 72)
        let x = rng.tensor([1, 6, 16, 16]), hwio = mappedLike(rng.tensor([3, 3, 6, 5])), b = Tensor(rng.floats(5), shape: [5])
        let oihw = try hwio.permuted([3, 2, 0, 1])
        let (dilations, pads) = ([12, 12], [12, 12, 12, 12])
        let want = referenceConv(x: x, w: oihw, bias: b.floats(), group: 1, strides: [1, 1], dilations: dilations, pads: pads)
        let releases = ReleaseCount()
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: oihw.byteCount, alignment: 64)
        defer { buffer.deallocate() }
        buffer.copyMemory(from: oihw.rawPointer, byteCount: oihw.byteCount)
        let borrowed = TensorStorage(borrowing: buffer, byteCount: oihw.byteCount, owner: releases) { _, _ in releases.add() }
        let weights = [("Keras", try hwio.deferredPermuted([3, 2, 0, 1])),
                       ("ONNX", Tensor(dtype: .float32, shape: oihw.shape, storage: borrowed))]
        for (format, w) in weights {
            let node = OneNode.node("Conv", [x, w, b], attributes: ["dilations": .ints(dilations), "pads": .ints(pads)])
            let kernel = try XCTUnwrap(try OneNode.kernel(node, [x, w, b], constantInputs: true) as? ConvKernel)
            XCTAssertNotNil(kernel.tapWeight, format)
            try kernel.packWeights()
            w.storage.makeResident()
            if format == "Keras" { XCTAssertTrue(w.storage.awaitsProducer, "the permuted kernel was kept beside its tap-major copy") }
            if format == "ONNX" { XCTAssertEqual(releases.count, 1, "the weight's pages were not let go once") }
            let got = try XCTUnwrap(kernel.run([x, w, b], activation: nil, context: ExecutionContext(threads: 2)))[0]
            assertClose(got.floats().map { Double($0) }, want.values.map { Double($0) }, TolerancePolicy.kernel, format)
            XCTAssertEqual(w.floats(), oihw.floats(), format)
        }
    }

    /// 3×3 stride-1 convolutions over at least 16 channels and 16 tiles go through Winograd's
    /// F(4×4, 3×3): ragged tile rows and columns, channel counts that are no multiple of 8, uneven
    /// pads, a batch, output channels in chunks (the fused activations are in `RuntimeFusionTests`,
    /// blocks of tile rows below). The
    /// transforms scale values by up to 8 before the sums, so the error is held to 2e-5 of the
    /// largest output (observed below 5e-6; a wrong coefficient in any transform gives errors of
    /// the outputs' own size).
    func testWinogradConvolutions() throws {
        let cases: [(channels: Int, maps: Int, input: [Int], pads: [Int], batch: Int, bias: Bool)] = [
            (16, 16, [16, 16], [1, 1, 1, 1], 1, true),
            (19, 21, [17, 23], [0, 2, 1, 1], 1, true),
            (24, 20, [13, 30], [1, 1, 1, 1], 2, false),
            (17, 33, [20, 18], [2, 0, 0, 2], 1, true),
        ]
        for (i, t) in cases.enumerated() {
            var c = ConvCase()
            (c.groupChannels, c.groupMaps, c.kernel, c.strides, c.dilations, c.pads, c.input, c.batch, c.bias) =
                (t.channels, t.maps, [3, 3], [1, 1], [1, 1], t.pads, t.input, t.batch, t.bias)
            let output = [t.input[0] + t.pads[0] + t.pads[2] - 2, t.input[1] + t.pads[1] + t.pads[3] - 2]
            XCTAssertTrue(winograd(t.channels, t.maps, output: output), "case \(i)")
            try check(c, seed: UInt64(500 + i), tolerance: ToleranceRule(rtol: 0, atolScale: 2e-5))
        }
        // The shapes Winograd leaves to im2col: a 7×7 output (4 tiles), 8 channels, groups, strides, dilations.
        XCTAssertFalse(winograd(512, 512, output: [7, 7]))
        XCTAssertTrue(winograd(64, 64, output: [13, 16]))
        XCTAssertFalse(winograd(64, 64, output: [12, 12]))
        XCTAssertFalse(winograd(8, 64, output: [32, 32]))
        XCTAssertFalse(winograd(64, 64, output: [32, 32], group: 2))
        XCTAssertFalse(winograd(64, 64, output: [32, 32], strides: [1, 2]))
        XCTAssertFalse(winograd(64, 64, output: [32, 32], dilations: [2, 2]))
        XCTAssertFalse(winograd(64, 64, output: [32, 32], kernel: [3, 5]))
    }

    /// Dilated 3×3 stride-1 convolutions that keep their map's size go through Winograd on a canvas
    /// of their phases (`AtrousCanvas`): dilations 2 and 4 as in FCN and DeepLab, unequal ones, a
    /// batch, ragged tiles, against the definition in every tier at Winograd's tolerance (see above).
    /// The shapes it leaves to the other paths: padding that does not keep the size, a map the
    /// dilation does not divide, strides, groups, too few channels.
    func testDilatedConvolutionsRunOnAPhaseCanvas() throws {
        let cases: [(channels: Int, maps: Int, input: [Int], dilations: [Int], batch: Int)] = [
            (16, 16, [16, 16], [2, 2], 1),
            (19, 24, [24, 20], [4, 4], 2),
            (17, 16, [18, 21], [2, 3], 1),
        ]
        for (i, t) in cases.enumerated() {
            var c = ConvCase()
            (c.groupChannels, c.groupMaps, c.kernel, c.strides, c.dilations, c.input, c.batch) =
                (t.channels, t.maps, [3, 3], [1, 1], t.dilations, t.input, t.batch)
            c.pads = [t.dilations[0], t.dilations[1], t.dilations[0], t.dilations[1]]
            XCTAssertNotNil(atrous(t.channels, t.maps, input: t.input, dilations: t.dilations, pads: c.pads), "case \(i)")
            try check(c, seed: UInt64(520 + i), tolerance: ToleranceRule(rtol: 0, atolScale: 2e-5))
        }
        XCTAssertNil(atrous(64, 64, input: [32, 32], dilations: [2, 2], pads: [1, 1, 1, 1]))
        XCTAssertNil(atrous(64, 64, input: [31, 32], dilations: [2, 2], pads: [2, 2, 2, 2]))
        XCTAssertNil(atrous(64, 64, input: [32, 32], dilations: [2, 2], pads: [2, 2, 2, 2], strides: [2, 2]))
        XCTAssertNil(atrous(64, 64, input: [32, 32], dilations: [2, 2], pads: [2, 2, 2, 2], group: 2))
        XCTAssertNil(atrous(8, 64, input: [32, 32], dilations: [2, 2], pads: [2, 2, 2, 2]))
        XCTAssertNil(atrous(64, 64, input: [32, 32], dilations: [1, 1], pads: [1, 1, 1, 1]))

        // The canvas holds each phase apart, one zero row or column between neighbours: value
        // (i·dh + a, j·dw + b) at (a·(H/dh + 1) + i, b·(W/dw + 1) + j), nothing else written.
        let canvas = try XCTUnwrap(atrous(16, 16, input: [20, 24], dilations: [2, 3], pads: [2, 3, 2, 3]))
        XCTAssertEqual([canvas.canvasHeight, canvas.canvasWidth], [21, 26])
        let plane: [Float] = (0..<480).map(Float.init)
        var laid = [Float](repeating: -1, count: canvas.canvasHeight * canvas.canvasWidth)
        canvas.place(plane, on: &laid)
        for (r, c) in [(0, 0), (0, 1), (0, 8), (0, 9), (1, 0), (10, 0), (11, 0), (11, 9), (20, 25), (13, 20)] {
            let (a, i) = (r / 11, r % 11), (b, j) = (c / 9, c % 9)
            XCTAssertEqual(laid[r * 26 + c], i == 10 || j == 8 ? -1 : plane[(i * 2 + a) * 24 + j * 3 + b], "canvas (\(r), \(c))")
        }
        XCTAssertEqual(laid.filter { $0 == -1 }.count, 21 * 26 - 480)
        var back = [Float](repeating: -1, count: 480)
        canvas.takeBack(laid, into: &back)
        XCTAssertEqual(back, plane)
    }

    /// Windows over at most four input channels (first layers on images) run straight from the
    /// input (`ConvProblem.runDirect`): strides 1-3, dilations, uneven padding, rows that end in a
    /// partial block of 16 and rows narrower than one vector, a ragged last block of four output
    /// channels, a batch, 1-D windows. In the AVX-512 tier each output has the bits of the unfolded
    /// product (the same chain of multiply-adds), with and without a fused activation.
    func testFewChannelConvolutionsRunFromTheInput() throws {
        let cases: [(channels: Int, maps: Int, input: [Int], kernel: [Int], strides: [Int], dilations: [Int], pads: [Int], batch: Int)] = [
            (3, 32, [37, 41], [3, 3], [2, 2], [1, 1], [1, 1, 1, 1], 1),
            (3, 13, [30, 35], [7, 7], [2, 2], [1, 1], [3, 3, 3, 3], 2),
            (4, 6, [19, 23], [3, 5], [1, 3], [2, 1], [0, 2, 3, 1], 1),
            (2, 9, [12, 7], [3, 3], [1, 1], [1, 2], [1, 2, 1, 2], 2),
            (3, 5, [9, 50], [2, 2], [2, 2], [1, 1], [0, 0, 1, 1], 1),
            (3, 8, [40], [5], [3], [1], [2, 1], 2),
        ]
        for (i, t) in cases.enumerated() {
            var c = ConvCase()
            (c.rank, c.groupChannels, c.groupMaps, c.input, c.kernel, c.strides, c.dilations, c.pads, c.batch) =
                (t.input.count, t.channels, t.maps, t.input, t.kernel, t.strides, t.dilations, t.pads, t.batch)
            let g = try XCTUnwrap(direct(t.channels, input: t.input, kernel: t.kernel, strides: t.strides, dilations: t.dilations,
                                         pads: t.pads).window2d)
            XCTAssertTrue(ConvProblem.runsDirect(g, channels: t.channels, maps: t.maps), "case \(i)")
            try check(c, seed: UInt64(560 + i))
        }
        func runs(_ channels: Int, kernel: [Int], strides: [Int]) throws -> Bool {
            let g = try XCTUnwrap(direct(channels, input: [32, 32], kernel: kernel, strides: strides, dilations: [1, 1],
                                         pads: [0, 0, 0, 0]).window2d)
            return ConvProblem.runsDirect(g, channels: channels, maps: 16)
        }
        XCTAssertFalse(try runs(5, kernel: [3, 3], strides: [1, 1]), "more than four channels")
        XCTAssertFalse(try runs(3, kernel: [10, 10], strides: [1, 1]), "more than 256 taps")
        XCTAssertFalse(try runs(3, kernel: [1, 1], strides: [1, 1]), "a pointwise window")
        XCTAssertFalse(try runs(3, kernel: [2, 2], strides: [3, 3]), "a stride wider than the window")
        // A window dilated across a tall input would need a ring of rows as tall: the banded im2col takes it.
        let tall = try XCTUnwrap(direct(3, input: [5000, 1000], kernel: [3, 3], strides: [1, 1], dilations: [2400, 1],
                                        pads: [0, 1, 0, 1]).window2d)
        XCTAssertFalse(ConvProblem.runsDirect(tall, channels: 3, maps: 8), "a ring of rows past the scratch limit")

        guard KernelTier.available.contains(.avx512) else { return }
        let previous = KernelTier.active
        defer { KernelTier.force(previous) }
        KernelTier.force(.avx512)
        var rng = SeededGenerator(seed: 570)
        let geometry = direct(3, input: [29, 45], kernel: [3, 3], strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1])
        let (batch, maps) = (2, 11)
        let x = rng.tensor([batch, 3, 29, 45]), w = rng.tensor([maps, 3, 3, 3]), bias = rng.floats(maps)
        for activation in [nil, FusedActivation.clip(low: 0, high: 6), .silu] {
            let count = batch * maps * geometry.outputSize
            var byDirect = [Float](repeating: .nan, count: count), unfolded = [Float](repeating: .nan, count: count)
            bias.withUnsafeBufferPointer { b in
                for (out, isDirect) in [(0, true), (1, false)] {
                    let y = UnsafeMutablePointer<Float>.allocate(capacity: count)
                    defer { y.deallocate() }
                    let problem = ConvProblem(x: UnsafePointer(x.pointer(as: Float.self)), weight: w, bias: b.baseAddress, y: y,
                                              batch: batch, channels: 3, maps: maps, group: 1, geometry: geometry,
                                              activation: activation)
                    if isDirect { problem.runDirect(ExecutionContext(threads: 2)) } else { problem.runUnfolded(ExecutionContext(threads: 2)) }
                    let values = Array(UnsafeBufferPointer(start: y, count: count))
                    if out == 0 { byDirect = values } else { unfolded = values }
                }
            }
            let differing = zip(byDirect, unfolded).filter { $0.bitPattern != $1.bitPattern }.count
            XCTAssertEqual(differing, 0, "values whose bits differ from the unfolded product's, \(String(describing: activation))")
        }
    }

    /// The unfolded convolution (im2col + GEMM) gives the same bits at 1, 2 and 3 threads and with
    /// the pool contended (every loop on the caller), in every tier: the AVX-512 tier shares the
    /// output rows among the threads, the others (OpenBLAS, whose sums depend on a call's columns)
    /// do not. Seen failing with the rows shared in the generic tier.
    func testUnfoldedConvolutionBitsDoNotDependOnThreads() {
        let geometry = direct(16, input: [27, 29], kernel: [3, 3], strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1])
        XCTAssertGreaterThanOrEqual(geometry.outputRows, 12, "rows for three threads to share")
        var rng = SeededGenerator(seed: 580)
        let (batch, maps) = (2, 24)
        let x = rng.tensor([batch, 16, 27, 29]), w = rng.tensor([maps, 16, 3, 3]), bias = rng.floats(maps)
        let count = batch * maps * geometry.outputSize
        func run(threads: Int, contended: Bool) -> [UInt32] {
            if contended { WorkerPool.shared.markContended(for: 60_000_000_000) }
            defer { if contended { WorkerPool.shared.clearContention() } }
            let y = UnsafeMutablePointer<Float>.allocate(capacity: count)
            defer { y.deallocate() }
            bias.withUnsafeBufferPointer { b in
                ConvProblem(x: UnsafePointer(x.pointer(as: Float.self)), weight: w, bias: b.baseAddress, y: y, batch: batch,
                            channels: 16, maps: maps, group: 1, geometry: geometry, activation: .clip(low: -0.5, high: 6))
                    .runUnfolded(ExecutionContext(threads: threads))
            }
            return UnsafeBufferPointer(start: y, count: count).map(\.bitPattern)
        }
        forEachKernelTier {
            let one = run(threads: 1, contended: false)
            for (threads, contended) in [(2, false), (3, false), (2, true), (3, true)] {
                let got = run(threads: threads, contended: contended)
                if let at = one.indices.first(where: { one[$0] != got[$0] }) {
                    XCTFail("\(threads) threads\(contended ? ", contended" : ""): other bits than 1 thread from output \(at) on")
                }
            }
        }
    }

    /// A thread's range of a loop over several images' items, cut where one image ends.
    func testLoopRangesAreCutAtImageEdges() {
        var seen: [[Int]] = []
        ConvProblem.forEachImage(in: 5..<17, itemsPerImage: 4) { n, items in seen.append([n, items.lowerBound, items.upperBound]) }
        XCTAssertEqual(seen, [[1, 1, 4], [2, 0, 4], [3, 0, 4], [4, 0, 1]])
        seen = []
        ConvProblem.forEachImage(in: 3..<3, itemsPerImage: 4) { n, items in seen.append([n, items.lowerBound, items.upperBound]) }
        XCTAssertEqual(seen, [])
        ConvProblem.forEachImage(in: 0..<7, itemsPerImage: 7) { n, items in seen.append([n, items.lowerBound, items.upperBound]) }
        XCTAssertEqual(seen, [[0, 0, 7]])
    }

    private func direct(_ channels: Int, input: [Int], kernel: [Int], strides: [Int], dilations: [Int], pads: [Int]) -> ConvGeometry {
        let window = SlidingWindow(kernel: kernel, strides: strides, dilations: dilations, pads: pads)
        let placement = try! window.place(over: input, node: Node(name: "n", opType: "Conv", inputs: [], outputs: []))
        return ConvGeometry(input: input, output: placement.output, window: window, padBegin: placement.padBegin)
    }

    private func atrous(_ channels: Int, _ maps: Int, input: [Int], dilations: [Int], pads: [Int], strides: [Int] = [1, 1],
                        group: Int = 1) -> AtrousCanvas? {
        let window = SlidingWindow(kernel: [3, 3], strides: strides, dilations: dilations, pads: pads)
        guard let placement = try? window.place(over: input, node: Node(name: "n", opType: "Conv", inputs: [], outputs: [])) else { return nil }
        let geometry = ConvGeometry(input: input, output: placement.output, window: window, padBegin: placement.padBegin)
        return AtrousCanvas(geometry, channels: channels, maps: maps, group: group)
    }

    /// Tile rows in blocks (4, 4 and 1 of the 9) and output channels in chunks (16 and 8), each
    /// block's products over the threads.
    func testWinogradTileBlocks() throws {
        var rng = SeededGenerator(seed: 520)
        let (channels, maps, side) = (16, 24, 33)
        let x = rng.tensor([1, channels, side, side]), w = rng.tensor([maps, channels, 3, 3]), bias = rng.floats(maps)
        let want = referenceConv(x: x, w: w, bias: bias, group: 1, strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1])
        let tilesW = (side + 3) / 4
        XCTAssertEqual(WinogradConv.chunkWidth(maps: maps, channels: channels, threads: 2, blockFloats: 4 * 36 * tilesW * channels), 16)
        XCTAssertEqual(WinogradConv.blockRows(tilesW: tilesW, tilesH: tilesW, channels: channels, blockFloats: 4 * 36 * tilesW * channels), 4)
        // Deep layers still get blocks of at least 32 tiles (FCN-ResNet50's 2048 channels on 8 × 8
        // tiles: one row of 8 with 1 MB blocks), or the whole image where it has fewer.
        XCTAssertEqual(WinogradConv.blockRows(tilesW: 8, tilesH: 8, channels: 2048, blockFloats: WinogradConv.defaultBlockFloats), 4)
        XCTAssertEqual(WinogradConv.blockRows(tilesW: 4, tilesH: 4, channels: 1024, blockFloats: WinogradConv.defaultBlockFloats), 4)
        XCTAssertEqual(WinogradConv.blockRows(tilesW: 14, tilesH: 14, channels: 64, blockFloats: WinogradConv.defaultBlockFloats), 8)
        forEachKernelTier {
            let y = try Tensor(dtype: .float32, shape: want.shape)
            let window = strata_window2d(in_h: Int32(side), in_w: Int32(side), out_h: Int32(side), out_w: Int32(side), kernel_h: 3,
                                         kernel_w: 3, stride_h: 1, stride_w: 1, dilation_h: 1, dilation_w: 1, pad_top: 1, pad_left: 1)
            bias.withUnsafeBufferPointer { b in
                WinogradConv(x: x.pointer(as: Float.self), w: w.pointer(as: Float.self), bias: b.baseAddress,
                             y: y.pointer(as: Float.self), batch: 1, channels: channels, maps: maps, window: window, activation: nil,
                             blockFloats: 4 * 36 * tilesW * channels).run(ExecutionContext(threads: 2))
            }
            let got: [Double] = y.floats().map { Double($0) }
            assertClose(got, want.values.map { Double($0) }, ToleranceRule(rtol: 0, atolScale: 2e-5), "tile blocks")
        }
    }

    private func winograd(_ channels: Int, _ maps: Int, output: [Int], group: Int = 1, kernel: [Int] = [3, 3],
                          strides: [Int] = [1, 1], dilations: [Int] = [1, 1]) -> Bool {
        WinogradConv.applies(channels: channels, maps: maps, group: group, kernel: kernel, strides: strides,
                             dilations: dilations, output: output)
    }

    func testConvTypeRuleKeepsSymbolicBatch() throws {
        let types = try inferLinearTypes(
            "Conv", inputs: [ValueType(.float32, [.symbol("N"), 3, .symbol("H"), 224]), ValueType(.float32, [8, 3, 3, 3])],
            attributes: ["pads": .ints([1, 1, 1, 1]), "strides": .ints([1, 2])])
        XCTAssertEqual(types[0].shape, [.symbol("N"), 8, .symbol("H"), 112])
    }

    func testConvTypeRuleWithUnknownKernelIsUnknown() {
        XCTAssertThrowsError(try inferLinearTypes(
            "Conv", inputs: [ValueType(.float32, [1, 3, 8, 8]), ValueType(.float32, [8, 3, .symbol("k"), 3])])) { error in
            XCTAssertTrue(error is InferenceContext.Unknown, "\(error)")
        }
    }

    func testHugeWindowAttributesAreUnsupportedNotCrashes() {
        let x = Tensor([Float](repeating: 1, count: 16), shape: [1, 1, 4, 4])
        let w = Tensor([Float](repeating: 1, count: 4), shape: [1, 1, 2, 2])
        for (name, value) in [("pads", [1 << 40, 0, 0, 0]), ("strides", [1, Int(Int32.max) + 1]), ("dilations", [1 << 33, 1])] {
            XCTAssertThrowsError(try runLinearKernel("Conv", inputs: [x, w], attributes: [name: .ints(value)])) { error in
                XCTAssertEqual((error as? StrataError)?.kind, .unsupported, name)
            }
        }
        XCTAssertThrowsError(try runLinearKernel("MaxPool", inputs: [x], attributes: ["kernel_shape": .ints([1 << 31, 2])]))
    }

    func testConvRejectsMismatchedChannels() {
        let x = Tensor([Float](repeating: 0, count: 2 * 9), shape: [1, 2, 3, 3])
        let w = Tensor([Float](repeating: 0, count: 4 * 3 * 4), shape: [4, 3, 2, 2])
        XCTAssertThrowsError(try runLinearKernel("Conv", inputs: [x, w])) { error in
            XCTAssertEqual((error as? StrataError)?.kind, .invalidInput)
        }
        XCTAssertThrowsError(try runLinearKernel("Conv", inputs: [x, Tensor([Float](repeating: 0, count: 4 * 2 * 9), shape: [4, 2, 3, 3])],
                                                 attributes: ["pads": .ints([1, 1])])) { error in
            XCTAssertEqual((error as? StrataError)?.location.detail, "attribute 'pads'")
        }
    }

    // MARK: ConvTranspose

    /// Direct scatter: every input value times every tap lands at `i·s + k·d − pad_begin`.
    private func referenceConvTranspose(x: Tensor, w: Tensor, bias: [Float]?, group: Int, strides: [Int], dilations: [Int],
                                        padBegin: [Int], output: [Int]) -> [Float] {
        let r = x.rank - 2
        let (batch, channels) = (x.shape[0], x.shape[1])
        let mg = w.shape[1], maps = mg * group, cg = channels / group
        let kernel = Array(w.shape.dropFirst(2))
        let (xv, wv) = (x.floats(), w.floats())
        let (xs, ws) = (linearStrides(x.shape), linearStrides(w.shape))
        let ys = linearStrides([batch, maps] + output)
        var out = [Double](repeating: 0, count: batch * maps * output.elementCount)
        for n in 0..<batch {
            for m in 0..<maps {
                for o in 0..<output.elementCount { out[n * ys[0] + m * ys[1] + o] = Double(bias?[m] ?? 0) }
            }
            for c in 0..<channels {
                let g = c / cg
                for i in linearIndices(Array(x.shape.dropFirst(2))) {
                    var xi = n * xs[0] + c * xs[1]
                    for a in 0..<r { xi += i[a] * xs[2 + a] }
                    for mm in 0..<mg {
                        for k in linearIndices(kernel) {
                            var yi = n * ys[0] + (g * mg + mm) * ys[1], inside = true
                            for a in 0..<r {
                                let p = i[a] * strides[a] + k[a] * dilations[a] - padBegin[a]
                                if p < 0 || p >= output[a] { inside = false; break }
                                yi += p * ys[2 + a]
                            }
                            guard inside else { continue }
                            var wi = c * ws[0] + mm * ws[1]
                            for a in 0..<r { wi += k[a] * ws[2 + a] }
                            out[yi] += Double(xv[xi]) * Double(wv[wi])
                        }
                    }
                }
            }
        }
        return out.map { Float($0) }
    }

    func testRandomConvTransposes() {
        forEachKernelTier {
            var rng = SeededGenerator(seed: 3)
            for trial in 0..<80 {
                let rank = rng.pick([1, 2, 2, 3])
                let group = rng.pick([1, 1, 2])
                let cg = rng.int(1...3), mg = rng.int(1...3)
                let input = (0..<rank).map { _ in rng.int(1...(rank == 3 ? 3 : 6)) }
                let kernel = (0..<rank).map { _ in rng.int(1...3) }
                let strides = (0..<rank).map { _ in rng.int(1...3) }
                let dilations = (0..<rank).map { _ in rng.int(1...2) }
                let outputPadding = (0..<rank).map { i in rng.int(0...(max(strides[i], dilations[i]) - 1)) }
                let mode = rng.pick(["NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "SHAPE"])
                let full = (0..<rank).map { (i: Int) -> Int in
                    let span: Int = (kernel[i] - 1) * dilations[i] + 1
                    return strides[i] * (input[i] - 1) + outputPadding[i] + span
                }
                var attributes: [String: Attribute] = [
                    "group": .int(group), "strides": .ints(strides), "dilations": .ints(dilations),
                    "output_padding": .ints(outputPadding),
                ]
                var output: [Int], padBegin: [Int]
                func split(_ total: Int, upper: Bool) -> Int {
                    let half = Int((Double(total) / 2).rounded(.down))
                    return upper ? half : total - half
                }
                switch mode {
                case "SAME_UPPER", "SAME_LOWER":
                    attributes["auto_pad"] = .string(mode)
                    output = (0..<rank).map { input[$0] * strides[$0] }
                    padBegin = (0..<rank).map { split(full[$0] - output[$0], upper: mode == "SAME_UPPER") }
                case "SHAPE":
                    output = (0..<rank).map { full[$0] + rng.int(-1...1) }.map { max($0, 1) }
                    attributes["output_shape"] = .ints(output)
                    padBegin = (0..<rank).map { split(full[$0] - output[$0], upper: false) }
                default:
                    var pads: [Int] = []
                    for i in 0..<2 * rank { pads.append(rng.int(0...((full[i % rank] - 1) / 2))) }
                    attributes["pads"] = .ints(pads)
                    output = (0..<rank).map { full[$0] - pads[$0] - pads[rank + $0] }
                    padBegin = Array(pads.prefix(rank))
                }
                let x = rng.tensor([rng.int(1...2), group * cg] + input)
                let w = rng.tensor([group * cg, mg] + kernel)
                let bias = rng.bool() ? rng.floats(group * mg) : nil
                let got = try runLinearKernel("ConvTranspose", inputs: [x, w] + (bias.map { [Tensor($0, shape: [$0.count])] } ?? []),
                                              attributes: attributes)
                let want = referenceConvTranspose(x: x, w: w, bias: bias, group: group, strides: strides, dilations: dilations,
                                                  padBegin: padBegin, output: output)
                assertClose(got[0], want, shape: [x.shape[0], group * mg] + output, "trial \(trial) \(attributes)")
                let inferred = try inferLinearTypes("ConvTranspose", inputs: [x.type, w.type], attributes: attributes)
                XCTAssertEqual(inferred[0].shape?.concrete, [x.shape[0], group * mg] + output, "type rule, trial \(trial)")
            }
        }
    }
}

/// Counts a borrowed storage's release calls.
private final class ReleaseCount: @unchecked Sendable {
    private let lock = NSLock()
    private var calls = 0
    var count: Int { lock.withLock { calls } }
    func add() { lock.withLock { calls += 1 } }
}

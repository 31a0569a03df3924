import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataEngine

/// RNN, GRU and LSTM against a naive per-element reference (written from the ONNX equations) over
/// seeded random data: every direction, both layouts, sequence lengths, initial states, peepholes,
/// custom activations and clip.
final class RecurrentKernelTests: KernelTierTestCase {
    typealias Support = ReductionTestSupport

    /// One case's inputs in layout 0, as nested arrays for the reference.
    struct Case {
        var op: String
        var seq = 4, batch = 3, input = 5, hidden = 3
        var directions = 1
        var direction = "forward"
        var lengths: [Int]?
        var withBias = true, withInitial = true, withPeepholes = false
        var attributes: [String: Attribute] = [:]
        var activations: [(Double) -> Double] = []
        var clip: Double?
        var linearBeforeReset = false, inputForget = false
        /// The range of R's random values: wide states need small ones to stay off the activations' flat ends.
        var r: ClosedRange<Float> = -0.7...0.7

        var gates: Int { op == "LSTM" ? 4 : (op == "GRU" ? 3 : 1) }
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

    /// Y `[seq, dirs, batch, hidden]`, Y_h and Y_c `[dirs, batch, hidden]` of the naive reference.
    private func reference(_ c: Case, x: [Float], w: [Float], r: [Float], b: [Float]?, h0: [Float]?, c0: [Float]?, p: [Float]?)
        -> (y: [Double], yh: [Double], yc: [Double]) {
        let (H, G, I, B, T, D) = (c.hidden, c.gates, c.input, c.batch, c.seq, c.directions)
        var y = [Double](repeating: 0, count: T * D * B * H)
        var yh = [Double](repeating: 0, count: D * B * H), yc = yh
        let k = c.activations.count / D
        for d in 0..<D {
            let act = Array(c.activations[(d * k)..<((d + 1) * k)])
            let forward = c.direction == "forward" || (c.direction == "bidirectional" && d == 0)
            for n in 0..<B {
                var h = (0..<H).map { j in Double(h0?[(d * B + n) * H + j] ?? 0) }
                var cell = (0..<H).map { j in Double(c0?[(d * B + n) * H + j] ?? 0) }
                let len = c.lengths?[n] ?? T
                let times = forward ? Array(0..<len) : Array((0..<len).reversed())
                func wx(_ t: Int, _ row: Int) -> Double {
                    var s = Double(b?[d * 2 * G * H + row] ?? 0)
                    for i in 0..<I { s += Double(x[(t * B + n) * I + i]) * Double(w[(d * G * H + row) * I + i]) }
                    return s
                }
                func rh(_ state: [Double], _ row: Int) -> Double {
                    var s = Double(b?[d * 2 * G * H + G * H + row] ?? 0)
                    for q in 0..<H { s += state[q] * Double(r[(d * G * H + row) * H + q]) }
                    return s
                }
                func clip(_ v: Double) -> Double { c.clip.map { min($0, max(-$0, v)) } ?? v }
                for t in times {
                    var next = [Double](repeating: 0, count: H)
                    switch c.op {
                    case "RNN":
                        for j in 0..<H { next[j] = act[0](clip(wx(t, j) + rh(h, j))) }
                    case "GRU":
                        let z = (0..<H).map { act[0](clip(wx(t, $0) + rh(h, $0))) }
                        let rr = (0..<H).map { act[0](clip(wx(t, H + $0) + rh(h, H + $0))) }
                        let gated = (0..<H).map { rr[$0] * h[$0] }
                        for j in 0..<H {
                            let pre = c.linearBeforeReset ? wx(t, 2 * H + j) + rr[j] * rh(h, 2 * H + j)
                                : wx(t, 2 * H + j) + rh(gated, 2 * H + j)
                            next[j] = (1 - z[j]) * act[1](clip(pre)) + z[j] * h[j]
                        }
                    default:
                        let peep = { (g: Int, j: Int) -> Double in Double(p?[d * 3 * H + g * H + j] ?? 0) }
                        var newCell = cell
                        for j in 0..<H {
                            let i = act[0](clip(wx(t, j) + rh(h, j) + peep(0, j) * cell[j]))
                            let f = c.inputForget ? 1 - i : act[0](clip(wx(t, 2 * H + j) + rh(h, 2 * H + j) + peep(2, j) * cell[j]))
                            let g = act[1](clip(wx(t, 3 * H + j) + rh(h, 3 * H + j)))
                            newCell[j] = f * cell[j] + i * g
                            let o = act[0](clip(wx(t, H + j) + rh(h, H + j) + peep(1, j) * newCell[j]))
                            next[j] = o * act[2](newCell[j])
                        }
                        cell = newCell
                    }
                    h = next
                    for j in 0..<H { y[((t * D + d) * B + n) * H + j] = h[j] }
                }
                for j in 0..<H where len > 0 {
                    yh[(d * B + n) * H + j] = h[j]
                    yc[(d * B + n) * H + j] = cell[j]
                }
            }
        }
        return (y, yh, yc)
    }

    /// Runs `c` in both layouts and compares every output with the reference.
    private func check(_ c: Case, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = SeededGenerator(seed: seed)
        let (H, G, I, B, T, D) = (c.hidden, c.gates, c.input, c.batch, c.seq, c.directions)
        let x = Support.random([T, B, I], in: -1...1, &rng)
        let w = Support.random([D, G * H, I], in: -0.7...0.7, &rng)
        let r = Support.random([D, G * H, H], in: c.r, &rng)
        let b = c.withBias ? Support.random([D, 2 * G * H], in: -0.5...0.5, &rng) : nil
        let h0 = c.withInitial ? Support.random([D, B, H], in: -1...1, &rng) : nil
        let c0 = c.withInitial && c.op == "LSTM" ? Support.random([D, B, H], in: -1...1, &rng) : nil
        let p = c.withPeepholes ? Support.random([D, 3 * H], in: -0.5...0.5, &rng) : nil
        let lengths = c.lengths.map { Tensor($0.map(Int32.init), shape: [B]) }
        let want = reference(c, x: x.floats(), w: w.floats(), r: r.floats(), b: b?.floats(), h0: h0?.floats(),
                             c0: c0?.floats(), p: p?.floats())
        var attributes = c.attributes
        attributes["direction"] = .string(c.direction)
        attributes["hidden_size"] = .int(H)
        if let clip = c.clip { attributes["clip"] = .float(Float(clip)) }
        if c.op == "GRU" { attributes["linear_before_reset"] = .int(c.linearBeforeReset ? 1 : 0) }
        if c.op == "LSTM" { attributes["input_forget"] = .int(c.inputForget ? 1 : 0) }
        let outputs = c.op == "LSTM" ? 3 : 2
        let label = "\(c.op) \(c.direction) lengths \(c.lengths ?? [])"

        var inputs: [Tensor?] = [x, w, r, b, lengths, h0]
        if c.op == "LSTM" { inputs += [c0, p] }
        let out = try Support.run(c.op, inputs, attributes: attributes, opset: 14, outputs: outputs)
        XCTAssertEqual(out[0].shape, [T, D, B, H], file: file, line: line)
        assertClose(out[0].floats(), want.y, "\(label): Y", file: file, line: line)
        assertClose(out[1].floats(), want.yh, "\(label): Y_h", file: file, line: line)
        if c.op == "LSTM" { assertClose(out[2].floats(), want.yc, "\(label): Y_c", file: file, line: line) }

        // W as a constant in a mapped file, as a model's: with one direction it is packed for the
        // tier's own GEMM (AVX-512), which then makes the input projections.
        var constant = inputs
        constant[1] = mappedLike(w)
        let node = OneNode.node(c.op, constant, attributes: attributes, opset: 14, outputs: outputs)
        let kernel = try XCTUnwrap(try OneNode.kernel(node, constant, constantInputs: true) as? RecurrentKernel)
        XCTAssertEqual(kernel.packedW != nil, D == 1, "\(label): W packed", file: file, line: line)
        let packed = try kernel.run(constant, context: ExecutionContext(threads: 2))
        assertClose(packed[0].floats(), want.y, "\(label): Y, W packed", file: file, line: line)
        assertClose(packed[1].floats(), want.yh, "\(label): Y_h, W packed", file: file, line: line)

        // Layout 1: batch first for X, the states and every output.
        attributes["layout"] = .int(1)
        var batchFirst: [Tensor?] = [try x.permuted([1, 0, 2]), w, r, b, lengths, try h0.map { try $0.permuted([1, 0, 2]) }]
        if c.op == "LSTM" { batchFirst += [try c0.map { try $0.permuted([1, 0, 2]) }, p] }
        let out1 = try Support.run(c.op, batchFirst, attributes: attributes, opset: 14, outputs: outputs)
        XCTAssertEqual(out1[0].shape, [B, T, D, H], file: file, line: line)
        XCTAssertEqual(out1[0].floats(), try out[0].permuted([2, 0, 1, 3]).floats(), "\(label): layout 1 Y", file: file, line: line)
        XCTAssertEqual(out1[1].floats(), try out[1].permuted([1, 0, 2]).floats(), "\(label): layout 1 Y_h", file: file, line: line)
    }

    func testRNN() {
        forEachKernelTier {
            let tanh: (Double) -> Double = { Foundation.tanh($0) }
            try check(Case(op: "RNN", activations: [tanh]), seed: 31)
            try check(Case(op: "RNN", directions: 2, direction: "bidirectional", lengths: [4, 2, 0], activations: [tanh, tanh]), seed: 32)
            var relu = Case(op: "RNN", direction: "reverse", lengths: [1, 4, 3], withBias: false, withInitial: false,
                            activations: [{ 0.5 * $0 + 0.25 }])
            relu.attributes = ["activations": .strings(["Affine"]), "activation_alpha": .floats([0.5]), "activation_beta": .floats([0.25])]
            try check(relu, seed: 33)
        }
    }

    func testGRU() {
        forEachKernelTier {
            let standard: [(Double) -> Double] = [Self.sigmoid, { Foundation.tanh($0) }]
            try check(Case(op: "GRU", activations: standard), seed: 41)
            try check(Case(op: "GRU", linearBeforeReset: true).with(activations: standard), seed: 42)
            // Larger batches take the matrix-matrix path for the recurrent products.
            var wide = Case(op: "GRU", lengths: [4, 3, 0, 1, 2, 4, 4], activations: standard)
            wide.batch = 7
            try check(wide, seed: 45)
            wide.linearBeforeReset = true
            try check(wide, seed: 46)
            try check(Case(op: "GRU", directions: 2, direction: "bidirectional", lengths: [2, 4, 1], activations: standard + standard,
                           linearBeforeReset: true), seed: 43)
            var custom = Case(op: "GRU", direction: "reverse", lengths: [3, 0, 4], withInitial: false,
                              activations: [{ min(1, max(0, 0.3 * $0 + 0.4)) }, { $0 >= 0 ? $0 : 0.1 * $0 }], clip: 0.8)
            custom.attributes = ["activations": .strings(["HardSigmoid", "LeakyRelu"]), "activation_alpha": .floats([0.3, 0.1]),
                                 "activation_beta": .floats([0.4])]
            try check(custom, seed: 44)
        }
    }

    func testLSTM() {
        forEachKernelTier {
            let standard: [(Double) -> Double] = [Self.sigmoid, { Foundation.tanh($0) }, { Foundation.tanh($0) }]
            try check(Case(op: "LSTM", activations: standard), seed: 51)
            try check(Case(op: "LSTM", withPeepholes: true, activations: standard, inputForget: true), seed: 52)
            var wide = Case(op: "LSTM", directions: 2, direction: "bidirectional", lengths: [4, 2, 3, 4, 1, 0], withPeepholes: true,
                            activations: standard + standard)
            wide.batch = 6
            try check(wide, seed: 55)
            try check(Case(op: "LSTM", directions: 2, direction: "bidirectional", lengths: [4, 1, 3], withPeepholes: true,
                           activations: standard + standard), seed: 53)
            let softsign: (Double) -> Double = { $0 / (1 + abs($0)) }
            let elu: (Double) -> Double = { $0 >= 0 ? $0 : 0.7 * (Foundation.exp($0) - 1) }
            let scaledTanh: (Double) -> Double = { 1.2 * Foundation.tanh(0.8 * $0) }
            var custom = Case(op: "LSTM", directions: 2, direction: "bidirectional", withBias: false,
                              activations: [Self.sigmoid, softsign, elu, Self.sigmoid, scaledTanh, { Foundation.log(1 + Foundation.exp($0)) }],
                              clip: 1.5)
            custom.attributes = [
                "activations": .strings(["Sigmoid", "Softsign", "Elu", "Sigmoid", "ScaledTanh", "Softplus"]),
                "activation_alpha": .floats([0.7, 1.2]), "activation_beta": .floats([0.8]),
            ]
            try check(custom, seed: 54)
        }
    }

    /// Wide states: each step is shared among the threads by groups of hidden units, each thread
    /// computing its units' gate rows and new states. Every cell (GRU both ways round), batches
    /// above and below the matrix-vector limit, entries that stop early or never start, both
    /// directions, and a width that is not a whole number of groups: against the reference, and
    /// with the same bits at 1, 2 and 3 threads.
    func testWideStatesShareEachStepAmongThreads() throws {
        forEachKernelTier {
            let sigmoid = Self.sigmoid, tanh: (Double) -> Double = { Foundation.tanh($0) }
            var cases = [Case(op: "LSTM", activations: [sigmoid, tanh, tanh]), Case(op: "GRU", activations: [sigmoid, tanh]),
                         Case(op: "GRU", activations: [sigmoid, tanh], linearBeforeReset: true), Case(op: "RNN", activations: [tanh])]
            var peepholes = Case(op: "LSTM", directions: 2, direction: "bidirectional", lengths: [3, 0, 1, 3, 2, 3],
                                 withPeepholes: true, activations: [sigmoid, tanh, tanh, sigmoid, tanh, tanh])
            peepholes.batch = 6
            cases.append(peepholes)
            var gru = Case(op: "GRU", direction: "reverse", lengths: [2, 0, 3, 1, 3], activations: [sigmoid, tanh])
            gru.batch = 5
            cases.append(gru)
            for (i, var c) in cases.enumerated() {
                (c.seq, c.input, c.hidden) = (3, 5, i.isMultiple(of: 2) ? 256 : 203)
                if c.lengths == nil { c.batch = 2 }
                c.r = -0.1...0.1
                try check(c, seed: UInt64(61 + i))
                var rng = SeededGenerator(seed: UInt64(71 + i))
                let (H, G, D, B) = (c.hidden, c.gates, c.directions, c.batch)
                var inputs: [Tensor?] = [Support.random([c.seq, B, c.input], in: -1...1, &rng),
                                         Support.random([D, G * H, c.input], in: -0.7...0.7, &rng),
                                         Support.random([D, G * H, H], in: -0.1...0.1, &rng),
                                         Support.random([D, 2 * G * H], in: -0.5...0.5, &rng),
                                         c.lengths.map { Tensor($0.map(Int32.init), shape: [B]) }]
                if c.op == "LSTM" { inputs += [nil, nil, Support.random([D, 3 * H], in: -0.5...0.5, &rng)] }
                let attributes: [String: Attribute] = ["hidden_size": .int(H), "direction": .string(c.direction),
                                                       "linear_before_reset": .int(c.linearBeforeReset ? 1 : 0)]
                let runs = try [1, 2, 3].map { threads in
                    try Support.run(c.op, inputs, attributes: c.op == "GRU" ? attributes : attributes.filter { $0.key != "linear_before_reset" },
                                    opset: 14, outputs: 2, threads: threads).flatMap { $0.floats().map(\.bitPattern) }
                }
                XCTAssertTrue(runs[1] == runs[0] && runs[2] == runs[0], "\(c.op) case \(i): the bits depend on the threads")
            }
        }
    }

    func testBadInputsThrow() {
        var rng = SeededGenerator(seed: 61)
        let x = Support.random([2, 1, 3], &rng)
        let w = Support.random([1, 4, 3], &rng), r = Support.random([1, 4, 4], &rng)
        XCTAssertThrowsError(try Support.run("RNN", [x, w, r], attributes: ["direction": .string("sideways")]))
        XCTAssertThrowsError(try Support.run("RNN", [x, w, r], attributes: ["activations": .strings(["Swish"])]))
        XCTAssertThrowsError(try Support.run("GRU", [x, w, r])) // W has 4 rows, GRU needs 3 * hidden
        XCTAssertThrowsError(try Support.run("RNN", [x, w, r, nil, Tensor([Int32(5)], shape: [1])]))
        XCTAssertNoThrow(try Support.run("RNN", [x, w, r], outputs: 2))
    }
}

private extension RecurrentKernelTests.Case {
    func with(activations: [(Double) -> Double]) -> Self {
        var copy = self
        copy.activations = activations
        return copy
    }
}

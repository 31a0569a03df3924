import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataEngine

/// Backpropagation through time for RNN, GRU and LSTM against finite differences, on several
/// seeds of random inputs: every direction, sequence lengths (an entry of length 0 included),
/// both layouts, GRU's two reset forms, LSTM peepholes and coupled gates, clip and
/// non-default activations.
extension GradientRuleTests {
    static func recurrentCases(seed: UInt64) -> [Case] {
        var rng = SeededGenerator(seed: seed)
        func r(_ shape: [Int], _ range: ClosedRange<Float> = -1...1) -> Tensor { GradientCheck.random(shape, in: range, &rng) }
        let lengths = GradientCheck.ints([3, 1, 0])
        let (seq, input, hidden) = (3, 3, 2)
        func attributes(_ direction: String, _ extra: [String: Attribute] = [:]) -> [String: Attribute] {
            extra.merging(["hidden_size": .int(hidden), "direction": .string(direction)]) { a, _ in a }
        }
        var cases: [Case] = []
        for (direction, dirs) in [("forward", 1), ("reverse", 1), ("bidirectional", 2)] {
            // LSTM: every input, batch 2, all lengths full.
            cases.append(Case(op: "LSTM",
                              inputs: [r([seq, 2, input]), r([dirs, 4 * hidden, input]), r([dirs, 4 * hidden, hidden]), r([dirs, 8 * hidden]),
                                       nil, r([dirs, 2, hidden]), r([dirs, 2, hidden]), r([dirs, 3 * hidden])],
                              attributes: attributes(direction), wrt: [0, 1, 2, 3, 5, 6, 7], outputs: 3, precision: .float,
                              label: "\(direction), peepholes"))
            // LSTM with sequence lengths, no bias, initial_c or peepholes; layout 1.
            cases.append(Case(op: "LSTM",
                              inputs: [r([3, seq, input]), r([dirs, 4 * hidden, input]), r([dirs, 4 * hidden, hidden]), nil,
                                       lengths, r([3, dirs, hidden])],
                              attributes: attributes(direction, ["layout": .int(1)]), wrt: [0, 1, 2, 5], outputs: 3, precision: .float,
                              label: "\(direction), sequence lengths, layout 1"))
            for linear in [0, 1] {
                cases.append(Case(op: "GRU",
                                  inputs: [r([seq, 3, input]), r([dirs, 3 * hidden, input]), r([dirs, 3 * hidden, hidden]), r([dirs, 6 * hidden]),
                                           lengths, r([dirs, 3, hidden])],
                                  attributes: attributes(direction, ["linear_before_reset": .int(linear)]), wrt: [0, 1, 2, 3, 5],
                                  outputs: 2, precision: .float, label: "\(direction), linear_before_reset \(linear), sequence lengths"))
            }
            cases.append(Case(op: "RNN",
                              inputs: [r([seq, 3, input]), r([dirs, hidden, input]), r([dirs, hidden, hidden]), r([dirs, 2 * hidden]),
                                       lengths, r([dirs, 3, hidden])],
                              attributes: attributes(direction), wrt: [0, 1, 2, 3, 5], outputs: 2, precision: .float,
                              label: "\(direction), sequence lengths"))
        }
        // Clip: small inputs keep every pre-activation inside [-1.8, 1.8] except those of the
        // gate rows whose input bias is ±5, which stay clipped, so no finite difference crosses a bound.
        func small(_ shape: [Int]) -> Tensor { r(shape, -0.3...0.3) }
        func clippedBias(_ dirs: Int, _ width: Int) -> Tensor {
            let b = small([dirs, 2 * width])
            let p = b.pointer(as: Float.self)
            for d in 0..<dirs {
                for j in 0..<width where j % 3 != 2 { p[d * 2 * width + j] += j % 3 == 0 ? 5 : -5 }
            }
            return b
        }
        cases.append(Case(op: "LSTM",
                          inputs: [small([seq, 2, input]), small([1, 4 * hidden, input]), small([1, 4 * hidden, hidden]),
                                   clippedBias(1, 4 * hidden), nil, small([1, 2, hidden]), small([1, 2, hidden]),
                                   r([1, 3 * hidden], -0.05...0.05)],
                          attributes: attributes("forward", ["input_forget": .int(1), "clip": .float(1.8),
                                                             "activations": .strings(["Sigmoid", "Softsign", "ScaledTanh"]),
                                                             "activation_alpha": .floats([0.8]), "activation_beta": .floats([1.3])]),
                          wrt: [0, 1, 2, 3, 5, 6, 7], outputs: 3, precision: .float, label: "input_forget, clip, activations"))
        cases.append(Case(op: "GRU",
                          inputs: [small([seq, 2, input]), small([2, 3 * hidden, input]), small([2, 3 * hidden, hidden]),
                                   clippedBias(2, 3 * hidden), nil, small([2, 2, hidden])],
                          attributes: attributes("bidirectional", ["linear_before_reset": .int(1), "clip": .float(1.8),
                                                                   "activations": .strings(["Sigmoid", "Tanh", "Softplus", "Softsign"])]),
                          wrt: [0, 1, 2, 3, 5], outputs: 2, precision: .float, label: "clip, activations per direction"))
        cases.append(Case(op: "GRU",
                          inputs: [small([seq, 2, input]), small([1, 3 * hidden, input]), small([1, 3 * hidden, hidden]),
                                   clippedBias(1, 3 * hidden), nil, small([1, 2, hidden])],
                          attributes: attributes("reverse", ["clip": .float(1.8)]),
                          wrt: [0, 1, 2, 3, 5], outputs: 2, precision: .float, label: "reverse, clip"))
        return cases
    }

    func testRecurrentRulesOnSeveralSeeds() throws {
        for seed in UInt64(1)...6 {
            for c in Self.recurrentCases(seed: seed) {
                XCTAssertNoThrow(try GradientCheck.check(c, seed: seed), "\(c.op) \(c.label), seed \(seed)")
            }
        }
    }
}

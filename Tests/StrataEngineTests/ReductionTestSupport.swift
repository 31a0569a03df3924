import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataEngine

/// Running one node of the reduction, normalisation and recurrent families, and index helpers.
enum ReductionTestSupport {
    /// Runs `op` on its own (`OneNode.run`).
    static func run(_ op: String, _ inputs: [Tensor?], attributes: [String: Attribute] = [:], opset: Int = 21,
                    outputs: Int = 1, threads: Int = 2) throws -> [Tensor] {
        try OneNode.run(op, inputs, attributes: attributes, opset: opset, outputs: outputs, threads: threads)
    }

    static func random(_ shape: [Int], in range: ClosedRange<Float> = -3...3, _ rng: inout SeededGenerator) -> Tensor {
        ElementwiseTestSupport.random(shape, in: range, &rng)
    }

    /// The multi-index of flat index `i` in `shape` (C order).
    static func coordinates(_ i: Int, _ shape: [Int]) -> [Int] {
        var rest = i
        var out = Array(repeating: 0, count: shape.count)
        for k in stride(from: shape.count - 1, through: 0, by: -1) {
            out[k] = rest % shape[k]
            rest /= shape[k]
        }
        return out
    }

    /// The flat index of `index` in `shape` (C order).
    static func flat(_ index: [Int], _ shape: [Int]) -> Int {
        var i = 0
        for (k, v) in index.enumerated() { i = i * shape[k] + v }
        return i
    }
}

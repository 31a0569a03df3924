import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataEngine

enum ElementwiseTestSupport {
    /// Runs `op` on its own (`OneNode.run`).
    static func run(_ op: String, _ inputs: [Tensor?], attributes: [String: Attribute] = [:], opset: Int = 21,
                    outputs: Int = 1, threads: Int = 2) throws -> [Tensor] {
        try OneNode.run(op, inputs, attributes: attributes, opset: opset, outputs: outputs, threads: threads)
    }

    /// Uniform values in `range` (the elementwise tests' default: -3...3).
    static func random(_ shape: [Int], in range: ClosedRange<Float> = -3...3, _ rng: inout SeededGenerator) -> Tensor {
        rng.tensor(shape, in: range)
    }

    /// The element of `shape`-shaped `t` (broadcast to `outShape`) for output flat index `i`.
    static func broadcastIndex(_ i: Int, outShape: [Int], inShape: [Int]) -> Int {
        var rest = i
        var index = 0
        var step = 1
        for k in stride(from: outShape.count - 1, through: 0, by: -1) {
            let coordinate = rest % outShape[k]
            rest /= outShape[k]
            let j = k - (outShape.count - inShape.count)
            if j >= 0 {
                if inShape[j] != 1 { index += coordinate * step }
                step *= inShape[j]
            }
        }
        return index
    }
}

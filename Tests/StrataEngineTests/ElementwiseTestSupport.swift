import StrataCore
import XCTest
@testable import StrataEngine

/// A small seeded generator (SplitMix64) so random test data is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum ElementwiseTestSupport {
    /// Compiles `op` as a one-node graph's node and runs it on `inputs` (nil = absent input).
    static func run(_ op: String, _ inputs: [Tensor?], attributes: [String: Attribute] = [:], opset: Int = 21,
                    outputs: Int = 1, threads: Int = 2) throws -> [Tensor] {
        let node = Node(name: "n", opType: op, opset: opset,
                        inputs: inputs.indices.map { inputs[$0] == nil ? "" : "in\($0)" },
                        outputs: (0..<outputs).map { "out\($0)" }, attributes: attributes)
        guard let factory = KernelRegistry.factory(for: node) else {
            throw StrataError(.unsupported, "no kernel for \(op)")
        }
        let kernel = try factory(KernelBuildContext(node: node, inputTypes: inputs.map { $0?.type },
                                                    constants: inputs.map { _ in nil }))
        return try kernel.run(inputs, context: ExecutionContext(threads: threads))
    }

    static func random(_ shape: [Int], in range: ClosedRange<Float> = -3...3, _ rng: inout SeededGenerator) -> Tensor {
        Tensor((0..<shape.elementCount).map { _ in Float.random(in: range, using: &rng) }, shape: shape)
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

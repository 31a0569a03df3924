import XCTest
import StrataCore
@testable import StrataEngine

/// Running one shape-op node, seeded random data, and naive index helpers for the shape-op tests.
enum ShapeHarness {
    static func node(_ op: String, inputs: Int, outputs: Int = 1, attributes: [String: Attribute] = [:], opset: Int) -> Node {
        Node(name: "n", opType: op, opset: opset, inputs: (0..<inputs).map { "in\($0)" },
             outputs: (0..<outputs).map { "out\($0)" }, attributes: attributes)
    }

    /// Compiles and runs `op`; nil inputs are absent optional inputs.
    static func run(_ op: String, _ inputs: [Tensor?], attributes: [String: Attribute] = [:], opset: Int = 21,
                    outputs: Int = 1, threads: Int = 2) throws -> [Tensor] {
        var n = node(op, inputs: inputs.count, outputs: outputs, attributes: attributes, opset: opset)
        n.inputs = inputs.enumerated().map { $0.element == nil ? "" : "in\($0.offset)" }
        guard let factory = KernelRegistry.factory(for: n) else { throw StrataError(.unsupported, "no kernel for \(op)") }
        let kernel = try factory(KernelBuildContext(node: n, inputTypes: inputs.map { $0?.type }, constants: inputs))
        return try kernel.run(inputs, context: ExecutionContext(threads: threads))
    }

    static func ints(_ values: [Int]) -> Tensor { Tensor(values.map { Int64($0) }, shape: [values.count]) }

    /// Row-major coordinates of flat index `i` in `shape`.
    static func coordinates(_ i: Int, _ shape: [Int]) -> [Int] {
        var rem = i
        var out = [Int](repeating: 0, count: shape.count)
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            out[d] = rem % shape[d]
            rem /= shape[d]
        }
        return out
    }

    /// Flat index of `coords` in `shape`.
    static func flat(_ coords: [Int], _ shape: [Int]) -> Int {
        var i = 0
        for d in 0..<shape.count { i = i * shape[d] + coords[d] }
        return i
    }
}

/// SplitMix64: reproducible test data.
struct ShapeTestRandom {
    private var base: SeededGenerator

    init(seed: UInt64) { base = SeededGenerator(seed: seed) }

    mutating func next() -> UInt64 { base.next() }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }

    mutating func floats(_ shape: [Int]) -> Tensor {
        Tensor((0..<shape.elementCount).map { _ in float() }, shape: shape)
    }

    mutating func shape(rank: Int, max: Int = 5) -> [Int] { (0..<rank).map { _ in int(1...max) } }

    mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, int(0...i)) }
        return p
    }
}

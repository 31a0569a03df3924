import XCTest
import StrataCore
import StrataTestSupport
@testable import StrataEngine

/// Running one shape-op node and naive index helpers for the shape-op tests.
enum ShapeHarness {
    static func node(_ op: String, inputs: Int, outputs: Int = 1, attributes: [String: Attribute] = [:], opset: Int) -> Node {
        Node(name: "n", opType: op, opset: opset, inputs: (0..<inputs).map { "in\($0)" },
             outputs: (0..<outputs).map { "out\($0)" }, attributes: attributes)
    }

    /// Runs `op` on its own (`OneNode.run`), its inputs visible to the kernel factory as constants; nil
    /// inputs are absent optional inputs.
    static func run(_ op: String, _ inputs: [Tensor?], attributes: [String: Attribute] = [:], opset: Int = 21,
                    outputs: Int = 1, threads: Int = 2) throws -> [Tensor] {
        try OneNode.run(op, inputs, attributes: attributes, opset: opset, outputs: outputs, threads: threads, constantInputs: true)
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

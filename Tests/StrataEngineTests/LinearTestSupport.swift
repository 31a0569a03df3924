import XCTest
import StrataCore
import StrataTestSupport
@testable import StrataEngine

/// Runs the node on its own (`OneNode.run`), its inputs visible to the kernel factory as constants.
func runLinearKernel(
    _ opType: String, inputs: [Tensor?], outputs: Int = 1, attributes: [String: Attribute] = [:],
    opset: Int = OpRegistry.latestOpset, threads: Int = 2
) throws -> [Tensor] {
    try OneNode.run(opType, inputs, attributes: attributes, opset: opset, outputs: outputs, threads: threads,
                    constantInputs: true, name: "node")
}

/// The type rule's output types for inputs of the given types.
func inferLinearTypes(_ opType: String, inputs: [ValueType?], outputs: Int = 1, attributes: [String: Attribute] = [:]) throws -> [ValueType] {
    let node = Node(name: "node", opType: opType, inputs: inputs.indices.map { "in\($0)" },
                    outputs: (0..<outputs).map { "out\($0)" }, attributes: attributes)
    let schema = try XCTUnwrap(OpRegistry.schema(opType))
    return try schema.infer(InferenceContext(node: node, inputTypes: inputs))
}

/// Row-major strides of `shape`.
func linearStrides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    for i in stride(from: shape.count - 2, through: 0, by: -1) { s[i] = s[i + 1] * shape[i + 1] }
    return s
}

/// Every index tuple of `shape`, in row-major order.
func linearIndices(_ shape: [Int]) -> [[Int]] {
    var all: [[Int]] = [[]]
    for size in shape { all = all.flatMap { prefix in (0..<size).map { prefix + [$0] } } }
    return shape.elementCount == 0 ? [] : all
}

/// The test's own reading of ONNX padding: explicit pads, or the `SAME_*` split of
/// `(ceil(in/s) − 1)·s + span − in`, or none for `VALID`.
func linearResolvedPads(autoPad: String, input: [Int], kernel: [Int], strides: [Int], dilations: [Int], pads: [Int]) -> [Int] {
    let r = input.count
    switch autoPad {
    case "SAME_UPPER", "SAME_LOWER":
        var begin = [Int](), end = [Int]()
        for i in 0..<r {
            let out = (input[i] + strides[i] - 1) / strides[i]
            let total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - input[i])
            let lower = autoPad == "SAME_LOWER" ? (total + 1) / 2 : total / 2
            begin.append(lower)
            end.append(total - lower)
        }
        return begin + end
    case "VALID":
        return Array(repeating: 0, count: 2 * r)
    default:
        return pads
    }
}

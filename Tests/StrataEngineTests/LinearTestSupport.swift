import XCTest
import StrataCore
@testable import StrataEngine

/// A small deterministic generator (SplitMix64) for the linear and pooling tests.
struct LinearTestRandom {
    private var base: SeededGenerator

    init(seed: UInt64) { base = SeededGenerator(seed: seed) }

    mutating func next() -> UInt64 { base.next() }

    /// Uniform in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }

    mutating func bool() -> Bool { next() & 1 == 1 }

    mutating func floats(_ count: Int) -> [Float] { (0..<count).map { _ in float() } }

    mutating func tensor(_ shape: [Int]) -> Tensor { Tensor(floats(shape.elementCount), shape: shape) }

    mutating func pick<T>(_ values: [T]) -> T { values[int(0...values.count - 1)] }
}

/// Builds the node's kernel through the registry and runs it, as the engine would.
func runLinearKernel(
    _ opType: String, inputs: [Tensor?], outputs: Int = 1, attributes: [String: Attribute] = [:],
    opset: Int = OpRegistry.latestOpset, threads: Int = 2
) throws -> [Tensor] {
    let node = Node(
        name: "node", opType: opType, opset: opset,
        inputs: inputs.enumerated().map { $1 == nil ? "" : "in\($0)" },
        outputs: (0..<outputs).map { "out\($0)" }, attributes: attributes)
    guard let factory = KernelRegistry.factory(for: node) else { throw node.error("no kernel") }
    let kernel = try factory(KernelBuildContext(node: node, inputTypes: inputs.map { $0?.type }, constants: inputs))
    return try kernel.run(inputs, context: ExecutionContext(threads: threads))
}

/// The type rule's output types for inputs of the given types.
func inferLinearTypes(_ opType: String, inputs: [ValueType?], outputs: Int = 1, attributes: [String: Attribute] = [:]) throws -> [ValueType] {
    let node = Node(name: "node", opType: opType, inputs: inputs.indices.map { "in\($0)" },
                    outputs: (0..<outputs).map { "out\($0)" }, attributes: attributes)
    let schema = try XCTUnwrap(OpRegistry.schema(opType))
    return try schema.infer(InferenceContext(node: node, inputTypes: inputs))
}

/// Asserts equal shapes and elementwise closeness (`|a − b| ≤ atol + rtol·|b|`).
func assertClose(_ got: Tensor, _ want: [Float], shape: [Int], rtol: Float = 1e-4, atol: Float = 1e-5,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.shape, shape, "shape " + message, file: file, line: line)
    guard got.shape == shape else { return }
    let values = got.floats()
    var worst = 0, worstError: Float = 0
    for i in values.indices {
        let error = abs(values[i] - want[i]) - rtol * abs(want[i])
        if !(error <= worstError) { worst = i; worstError = error.isNaN ? .infinity : error }
    }
    XCTAssertLessThanOrEqual(worstError, atol, "element \(worst): got \(values[worst]), want \(want[worst]) " + message,
                             file: file, line: line)
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

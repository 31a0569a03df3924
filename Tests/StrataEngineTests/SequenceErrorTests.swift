import XCTest
import StrataCore
import StrataTestSupport
@testable import StrataEngine

/// Bad sequence and optional values give one-line errors naming the node and what is wrong, and an
/// error inside a body names the node holding the body and the iteration.
final class SequenceErrorTests: XCTestCase {
    private static let floats = ValueType.sequence(of: ValueType(.float32, nil))

    private func model(_ nodes: [Node], inputs: [ValueInfo], outputs: [String]) -> Model {
        let graph = Graph(name: "g", nodes: nodes, inputs: inputs,
                          outputs: outputs.map { ValueInfo(name: $0, type: ValueType(.float32, nil)) })
        return Model(graph: graph, format: .onnx, path: "seq.onnx", layout: .nchw)
    }

    private func run(_ model: Model, _ values: [String: Value], _ output: String) throws {
        let engine = try Engine(model: model, options: EngineOptions(threads: 1))
        try engine.run(values: values, capture: try engine.captureRows(for: [output])) { _, _ in }
    }

    private func sequence(_ count: Int) throws -> Value {
        .sequence(try TensorSequence(dtype: .float32, elements: (0..<count).map { Tensor([Float($0)], shape: [1]) }))
    }

    func testSequenceAtOutOfRangeNamesTheNodeThePositionAndTheLength() throws {
        let nodes = [Node(name: "at", opType: "SequenceAt", inputs: ["s", "p"], outputs: ["y"])]
        let m = model(nodes, inputs: [ValueInfo(name: "s", type: Self.floats), ValueInfo(name: "p", type: ValueType(.int64, concrete: []))],
                      outputs: ["y"])
        XCTAssertEqual(thrownMessage { try run(m, ["s": try sequence(2), "p": .tensor(.scalar(Int64(-3)))], "y") },
                       "node 'at' (SequenceAt): position -3 is out of range for a sequence of length 2")
    }

    func testSequenceOfDifferentDtypesIsRefused() throws {
        let nodes = [Node(name: "make", opType: "SequenceConstruct", inputs: ["a", "b"], outputs: ["s"]),
                     Node(name: "count", opType: "SequenceLength", inputs: ["s"], outputs: ["n"])]
        let m = model(nodes, inputs: [ValueInfo(name: "a", type: ValueType(.float32, concrete: [1])),
                                      ValueInfo(name: "b", type: ValueType(.int64, concrete: [1]))], outputs: ["n"])
        XCTAssertEqual(thrownMessage { try run(m, ["a": .tensor(Tensor([1] as [Float], shape: [1])), "b": .tensor(Tensor([1] as [Int64], shape: [1]))], "n") },
                       "node 'make' (SequenceConstruct): a sequence of float32 cannot hold element 1, which is int64: "
                       + "the elements of a sequence share one dtype")
    }

    func testGettingTheElementOfAnEmptyOptionalIsRefused() throws {
        let nodes = [Node(name: "get", opType: "OptionalGetElement", inputs: ["o"], outputs: ["y"])]
        let m = model(nodes, inputs: [ValueInfo(name: "o", type: .optional(of: ValueType(.float32, [2])))], outputs: ["y"])
        XCTAssertEqual(thrownMessage { try run(m, [:], "y") },
                       "node 'get' (OptionalGetElement): the optional is empty (an empty optional of float32[2] holds no element to get)")
    }

    func testErrorInsideALoopBodyNamesTheLoopAndTheIteration() throws {
        // Each iteration takes element i of an outer sequence of 3: the fourth iteration fails.
        let body = Subgraph(
            graph: Graph(name: "b", nodes: [Node(name: "take", opType: "SequenceAt", inputs: ["s", "i"], outputs: ["x"]),
                                            Node(name: "keep", opType: "Identity", inputs: ["c"], outputs: ["c_out"])]),
            inputs: [FormalValue(name: "i", type: nil), FormalValue(name: "c", type: nil)],
            outputs: [FormalValue(name: "c_out", type: nil), FormalValue(name: "x", type: nil)])
        let loop = Node(name: "loop_1", opType: "Loop", opset: 16, inputs: ["m", ""], outputs: ["xs"], attributes: ["body": .graph(body)])
        let m = model([loop], inputs: [ValueInfo(name: "s", type: Self.floats), ValueInfo(name: "m", type: ValueType(.int64, concrete: []))],
                      outputs: ["xs"])
        XCTAssertEqual(thrownMessage { try run(m, ["s": try sequence(3), "m": .tensor(.scalar(Int64(4)))], "xs") },
                       "in node 'loop_1' (Loop) body, iteration 3: node 'take' (SequenceAt): position 3 is out of range for a sequence of length 3")
    }
}

import XCTest
import StrataCore
import StrataTestSupport
@testable import StrataEngine

/// Malformed bodies and unbounded loops give located errors, never a crash or a hang.
final class ControlFlowErrorTests: XCTestCase {
    private func loopModel(body: Subgraph, inputs: [String] = ["m", "", "v"]) -> Model {
        let node = Node(name: "loop", opType: "Loop", opset: 16, inputs: inputs, outputs: ["v_final"], attributes: ["body": .graph(body)])
        let graph = Graph(name: "g", nodes: [node],
                          inputs: [ValueInfo(name: "m", type: ValueType(.int64, concrete: [])),
                                   ValueInfo(name: "v", type: ValueType(.float32, concrete: [2]))],
                          outputs: [ValueInfo(name: "v_final", type: ValueType(.float32, nil))])
        return Model(graph: graph, format: .onnx, path: "loop.onnx", layout: .nchw)
    }

    func testBodyWithWrongInputCountIsRefused() {
        let body = Subgraph(graph: Graph(name: "b", nodes: [Node(name: "id", opType: "Identity", inputs: ["x"], outputs: ["y"])]),
                            inputs: [FormalValue(name: "x", type: nil)],
                            outputs: [FormalValue(name: "x", type: nil), FormalValue(name: "y", type: nil)])
        XCTAssertEqual(thrownMessage { _ = try Engine(model: loopModel(body: body)) },
                       "node 'loop' (Loop), attribute 'body': the body has 1 inputs and 2 outputs; "
                       + "1 loop-carried values need 3 inputs and at least 2 outputs")
    }

    func testBodyChangingTheDtypeOfACarriedValueIsRefused() throws {
        let nodes = [Node(name: "to_int", opType: "Cast", inputs: ["v_in"], outputs: ["v_out"], attributes: ["to": .int(7)])]
        let body = Subgraph(graph: Graph(name: "b", nodes: nodes),
                            inputs: [FormalValue(name: "i", type: nil), FormalValue(name: "c", type: nil), FormalValue(name: "v_in", type: nil)],
                            outputs: [FormalValue(name: "c", type: nil), FormalValue(name: "v_out", type: nil)])
        let engine = try Engine(model: loopModel(body: body))
        XCTAssertEqual(thrownMessage { _ = try engine.run(inputs: ["m": .scalar(Int64(3)), "v": Tensor([1, 2] as [Float], shape: [2])], tensors: ["v_final"]) },
                       "node 'loop' (Loop), attribute 'body': loop-carried value 0 starts as float32 and the body makes it int64")
    }

    func testLoopWithoutTripCountThatNeverEndsStops() throws {
        let body = Subgraph(graph: Graph(name: "b"),
                            inputs: [FormalValue(name: "i", type: nil), FormalValue(name: "c", type: nil), FormalValue(name: "v_in", type: nil)],
                            outputs: [FormalValue(name: "c", type: nil), FormalValue(name: "v_in", type: nil)])
        let node = loopModel(body: body, inputs: ["", "", "v"]).graph.nodes[0]
        let kernel = try LoopKernel(KernelBuildContext(node: node, inputTypes: [nil, nil, nil], constants: []), maximumIterations: 1000)
        let v = Tensor([1, 2] as [Float], shape: [2])
        XCTAssertEqual(thrownMessage { _ = try kernel.run([nil, nil, v], context: ExecutionContext(threads: 1)) },
                       "the loop ran 1000 iterations without ending (the most Strata runs; --max-iterations raises the limit)")
        XCTAssertEqual(thrownMessage { _ = try kernel.run([.scalar(Int64(1001)), nil, v], context: ExecutionContext(threads: 1)) },
                       "the trip count 1001 is above the 1000 iterations Strata runs (--max-iterations raises the limit)")
        XCTAssertEqual(try kernel.run([.scalar(Int64(1000)), nil, v], context: ExecutionContext(threads: 1))[0].floats(), [1, 2])
    }
}

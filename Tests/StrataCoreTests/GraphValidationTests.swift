import XCTest
@testable import StrataCore

final class GraphValidationTests: XCTestCase {
    private func node(_ name: String, _ op: String, _ inputs: [String], _ outputs: [String]) -> Node {
        Node(name: name, opType: op, inputs: inputs, outputs: outputs)
    }

    private func input(_ name: String) -> ValueInfo {
        ValueInfo(name: name, type: ValueType(.float32, [.symbol("N"), 4]))
    }

    func testOrderPutsProducersFirstWhateverTheFileOrder() throws {
        let graph = Graph(
            nodes: [node("c", "Relu", ["b"], ["y"]), node("b", "Relu", ["a"], ["b"]), node("a", "Relu", ["x"], ["a"])],
            inputs: [input("x")],
            outputs: [ValueInfo(name: "y", type: ValueType(.float32, nil))]
        )
        let order = try graph.topologicalOrder().map { graph.nodes[$0].name }
        XCTAssertEqual(order, ["a", "b", "c"])
    }

    func testCycleIsReportedAtANodeOnIt() {
        let graph = Graph(
            nodes: [node("a", "Add", ["x", "b"], ["a"]), node("b", "Relu", ["a"], ["b"])],
            inputs: [input("x")]
        )
        XCTAssertThrowsError(try graph.topologicalOrder()) { error in
            XCTAssertEqual(String(describing: error), "node 'a' (Add): the graph has a cycle through this node")
        }
    }

    func testInputThatNothingProduces() {
        let graph = Graph(nodes: [node("a", "Add", ["x", "w"], ["a"])], inputs: [input("x")])
        XCTAssertThrowsError(try graph.topologicalOrder()) { error in
            XCTAssertEqual(
                String(describing: error),
                "node 'a' (Add): input 'w' is not produced by any node, graph input or initializer")
        }
    }

    func testDuplicateOutputName() {
        let graph = Graph(
            nodes: [node("a", "Relu", ["x"], ["y"]), node("b", "Sigmoid", ["x"], ["y"])],
            inputs: [input("x")]
        )
        XCTAssertThrowsError(try graph.topologicalOrder()) { error in
            XCTAssertEqual(String(describing: error), "node 'b' (Sigmoid): output 'y' is also produced by node 'a'")
        }
    }

    func testDuplicateNodeName() {
        let graph = Graph(
            nodes: [node("a", "Relu", ["x"], ["y"]), node("a", "Sigmoid", ["x"], ["z"])],
            inputs: [input("x")]
        )
        XCTAssertThrowsError(try graph.topologicalOrder()) { error in
            XCTAssertEqual(String(describing: error), "node 'a' (Sigmoid): node name is used twice")
        }
    }

    func testOutputThatNothingProduces() {
        let graph = Graph(
            nodes: [node("a", "Relu", ["x"], ["y"])],
            inputs: [input("x")],
            outputs: [ValueInfo(name: "z", type: ValueType(.float32, nil))]
        )
        XCTAssertThrowsError(try graph.topologicalOrder()) { error in
            XCTAssertEqual(String(describing: error), "graph output 'z' is not produced by any node")
        }
    }

    func testCaptureTableDefaultsToOneRowPerNodeOutput() {
        let graph = Graph(nodes: [node("split", "Split", ["x"], ["p", "", "q"])], inputs: [input("x")])
        XCTAssertEqual(graph.captureTable, [
            LayerOutput(layer: "split", op: "Split", output: 0, tensor: "p"),
            LayerOutput(layer: "split", op: "Split", output: 2, tensor: "q"),
        ])
    }
}

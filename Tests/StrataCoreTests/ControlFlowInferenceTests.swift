import XCTest
@testable import StrataCore

/// Type inference and validation walk subgraphs: an If's outputs join its branches' types, a body's
/// outer references order the node after their producers, and a body's own problems are reported.
final class ControlFlowInferenceTests: XCTestCase {
    private func branch(_ output: String, _ type: ValueType?, reading input: String) -> Subgraph {
        Subgraph(graph: Graph(name: output, nodes: [Node(name: output + "_node", opType: "Identity", inputs: [input], outputs: [output])]),
                 inputs: [], outputs: [FormalValue(name: output, type: type)])
    }

    private func ifGraph(then: Subgraph, else otherwise: Subgraph) -> Graph {
        let node = Node(name: "if", opType: "If", opset: 17, inputs: ["c"], outputs: ["y"],
                        attributes: ["then_branch": .graph(then), "else_branch": .graph(otherwise)])
        let producer = Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["r"])
        // The If comes first in the file; its branches read `r`, so it must run after the Relu.
        return Graph(name: "g", nodes: [node, producer],
                     inputs: [ValueInfo(name: "x", type: ValueType(.float32, concrete: [2, 3])),
                              ValueInfo(name: "c", type: ValueType(.bool, concrete: []))],
                     outputs: [ValueInfo(name: "y", type: ValueType(.float32, nil))])
    }

    func testIfJoinsBranchTypesAndDimsThatDifferBecomeUnknown() throws {
        let graph = ifGraph(then: branch("a", ValueType(.float32, concrete: [2, 3]), reading: "r"),
                            else: branch("b", ValueType(.float32, concrete: [2, 4]), reading: "x"))
        XCTAssertEqual(try graph.topologicalOrder(), [1, 0])
        let inference = graph.inferTypes()
        XCTAssertEqual(inference.types["y"], ValueType(.float32, [.known(2), .anonymous]))
        XCTAssertTrue(inference.problems.isEmpty)
    }

    func testIfBranchesWithDifferentDtypesAreAProblem() {
        let graph = ifGraph(then: branch("a", ValueType(.float32, concrete: [2, 3]), reading: "r"),
                            else: branch("b", ValueType(.int64, concrete: [2, 3]), reading: "x"))
        XCTAssertEqual(graph.inferTypes().problems.map(\.description),
                       ["node 'if' (If): output 0: the branches give float32 and int64"])
    }

    func testBodyReadingANameNothingDefinesIsRefused() {
        let graph = ifGraph(then: branch("a", nil, reading: "nowhere"), else: branch("b", nil, reading: "x"))
        XCTAssertThrowsError(try graph.topologicalOrder()) { error in
            XCTAssertEqual("\(error)", "node 'if' (If): input 'nowhere' is not produced by any node, graph input or initializer")
        }
    }

    func testBodyWithACycleIsRefused() {
        let nodes = [Node(name: "p", opType: "Relu", inputs: ["q_out"], outputs: ["p_out"]),
                     Node(name: "q", opType: "Relu", inputs: ["p_out"], outputs: ["q_out"])]
        let cyclic = Subgraph(graph: Graph(name: "t", nodes: nodes), inputs: [], outputs: [FormalValue(name: "p_out", type: nil)])
        let graph = ifGraph(then: cyclic, else: branch("b", nil, reading: "x"))
        XCTAssertThrowsError(try graph.topologicalOrder()) { error in
            XCTAssertEqual("\(error)", "node 'p' (Relu): the graph has a cycle through this node")
        }
    }
}

import Foundation
import StrataCore
import XCTest
@testable import StrataExport

/// ONNX subgraphs are drawn as clusters: one box per body node inside `cluster_<node>.<attribute>`
/// (nested bodies nested), edges from the enclosing graph's boxes for the outer values a body reads,
/// and edges from the boxes computing a body's outputs to the control-flow node.
final class DiagramControlFlowTests: XCTestCase {
    /// `r = Relu(x)`; `y = If(c)`: then `t = Add(r, x)`, else `e = If(c)` (then `u = Neg(x)`, else `v = Abs(r)`).
    static var model: Model {
        func body(_ nodes: [Node], _ output: String) -> Subgraph {
            Subgraph(graph: Graph(name: output, nodes: nodes), inputs: [], outputs: [FormalValue(name: output, type: nil)])
        }
        let inner = Node(name: "inner_if", opType: "If", opset: 17, inputs: ["c"], outputs: ["e"], attributes: [
            "then_branch": .graph(body([Node(name: "neg", opType: "Neg", inputs: ["x"], outputs: ["u"])], "u")),
            "else_branch": .graph(body([Node(name: "abs", opType: "Abs", inputs: ["r"], outputs: ["v"])], "v")),
        ])
        let outer = Node(name: "if", opType: "If", opset: 17, inputs: ["c"], outputs: ["y"], attributes: [
            "then_branch": .graph(body([Node(name: "add", opType: "Add", inputs: ["r", "x"], outputs: ["t"])], "t")),
            "else_branch": .graph(body([inner], "e")),
        ])
        let graph = Graph(name: "g", nodes: [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["r"]), outer],
                          inputs: [ValueInfo(name: "x", type: ValueType(.float32, concrete: [2])),
                                   ValueInfo(name: "c", type: ValueType(.bool, concrete: []))],
                          outputs: [ValueInfo(name: "y", type: ValueType(.float32, concrete: [2]))])
        return Model(graph: graph, format: .onnx, path: "if.onnx", layout: .nchw)
    }

    func testBodiesAreClustersWithOuterValuesDrawnIntoThem() throws {
        let diagram = try Diagram(model: Self.model)
        let layers = diagram.boxes.filter { $0.role == .layer }
        XCTAssertEqual(Set(layers.map(\.name)), ["relu", "if", "add", "inner_if", "neg", "abs"])
        let clusters = Dictionary(uniqueKeysWithValues: layers.map { ($0.name, $0.cluster) })
        XCTAssertEqual(clusters["relu"], [])
        XCTAssertEqual(clusters["if"], [])
        XCTAssertEqual(clusters["add"], ["if.then_branch"])
        XCTAssertEqual(clusters["inner_if"], ["if.else_branch"])
        XCTAssertEqual(clusters["neg"], ["if.else_branch", "inner_if.then_branch"])
        XCTAssertEqual(clusters["abs"], ["if.else_branch", "inner_if.else_branch"])
        let edges = Set(diagram.edges.map { diagram.boxes[$0.from].name + " -> " + diagram.boxes[$0.to].name })
        for edge in ["x -> relu", "c -> if", "relu -> add", "x -> add", "add -> if", "c -> inner_if", "inner_if -> if",
                     "x -> neg", "relu -> abs", "neg -> inner_if", "abs -> inner_if", "if -> y"] {
            XCTAssertTrue(edges.contains(edge), "missing \(edge) in \(edges.sorted())")
        }
        let text = DOTWriter.render(diagram, options: DiagramOptions())
        XCTAssertTrue(text.contains("subgraph cluster_if_then_branch"), text)
        XCTAssertTrue(text.contains("subgraph cluster_if_else_branch"), text)
        DiagramGolden.assertRenders(text)
    }
}

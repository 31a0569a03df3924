import Synchronization
import XCTest
@testable import StrataCore

/// `Node.typed(_:)`: each node's attributes are parsed once and kept, until what parsing reads changes.
final class NodeTypedAttributesTests: XCTestCase {
    /// Softmax's axis, counting how often it is parsed.
    private struct CountedAxis: OpAttributes {
        static let names = ["axis"]
        static let parses = Atomic<Int>(0)
        var axis: Int

        init(node: Node) throws {
            CountedAxis.parses.add(1, ordering: .relaxed)
            axis = try SoftmaxAttributes(node: node).axis
        }

        var values: [String: Attribute] { ["axis": .int(axis)] }
    }

    private var parses: Int { CountedAxis.parses.load(ordering: .relaxed) }

    func testAttributesAreParsedOnceAndKeptWithTheNode() throws {
        var node = Node(name: "sm", opType: "Softmax", opset: 13, inputs: ["x"], outputs: ["y"])
        let before = parses
        XCTAssertEqual(try node.typed(CountedAxis.self).axis, -1)
        XCTAssertEqual(try node.typed(CountedAxis.self).axis, -1)
        let copy = node
        XCTAssertEqual(try copy.typed(CountedAxis.self).axis, -1)
        XCTAssertEqual(parses - before, 1, "one parse for the node and its unchanged copy")

        node.attributes["axis"] = .int(0)
        XCTAssertEqual(try node.typed(CountedAxis.self).axis, 0)
        XCTAssertEqual(try copy.typed(CountedAxis.self).axis, -1, "a copy keeps its own attributes")
        node.opset = 11
        node.attributes = [:]
        XCTAssertEqual(try node.typed(CountedAxis.self).axis, 1, "opset 11's default")
        XCTAssertEqual(parses - before, 3)
    }

    func testAnInvalidNodeThrowsEveryTime() {
        let node = Node(name: "sm", opType: "Softmax", opset: 13, inputs: ["x"], outputs: ["y"], attributes: ["axis": .string("last")])
        XCTAssertThrowsError(try node.typed(SoftmaxAttributes.self))
        XCTAssertThrowsError(try node.typed(SoftmaxAttributes.self))
    }
}

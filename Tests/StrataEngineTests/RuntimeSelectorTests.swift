import StrataCore
import XCTest
@testable import StrataEngine

/// Resolution of layer selectors against a graph's capture table.
final class RuntimeSelectorTests: XCTestCase {
    private let graph = Graph(
        nodes: [
            Node(name: "conv1", opType: "Relu", inputs: ["x"], outputs: ["conv1_out"]),
            Node(name: "conv2", opType: "Relu", inputs: ["conv1_out"], outputs: ["conv2_out"]),
            Node(name: "block/relu", opType: "Relu", inputs: ["conv2_out"], outputs: ["r"]),
            Node(name: "drop", opType: "Dropout", inputs: ["r"], outputs: ["d", "mask"]),
            Node(name: "fc", opType: "Relu", inputs: ["d"], outputs: ["logits"]),
        ],
        inputs: [ValueInfo(name: "x", type: ValueType(.float32, [2]))]
    )

    private func layers(_ selectors: [LayerSelector]) throws -> [String] {
        try graph.resolve(selectors).map { "\($0.layer):\($0.output)" }
    }

    func testParsing() {
        XCTAssertEqual(LayerSelector(parsing: "conv1"), .name("conv1"))
        XCTAssertEqual(LayerSelector(parsing: "conv*"), .glob("conv*"))
        XCTAssertEqual(LayerSelector(parsing: "conv?"), .glob("conv?"))
        XCTAssertEqual(LayerSelector(parsing: "conv[12]"), .name("conv[12]"))
        XCTAssertEqual(LayerSelector(parsing: "conv[12]*"), .glob("conv[12]*"))
    }

    func testNamesTensorsGlobsAndAll() throws {
        XCTAssertEqual(try layers([.name("drop")]), ["drop:0", "drop:1"])
        XCTAssertEqual(try layers([.name("mask")]), ["drop:1"])
        XCTAssertEqual(try layers([.glob("conv*")]), ["conv1:0", "conv2:0"])
        XCTAssertEqual(try layers([.glob("*/relu")]), ["block/relu:0"])
        XCTAssertEqual(try layers([.glob("conv[!1]")]), ["conv2:0"])
        XCTAssertEqual(try layers([.glob("?c")]), ["fc:0"])
        XCTAssertEqual(try layers([.all]).count, 6)
    }

    func testKeepsTableOrderWithoutDuplicates() throws {
        XCTAssertEqual(try layers([.name("fc"), .glob("conv*"), .name("conv1"), .name("conv1_out")]),
                       ["conv1:0", "conv2:0", "fc:0"])
    }

    func testNoMatchNamesTheClosestLayers() {
        XCTAssertThrowsError(try graph.resolve([.name("conv3")])) { error in
            XCTAssertEqual((error as? StrataError)?.kind, .invalidInput)
            XCTAssertEqual((error as? StrataError)?.description, "no layer or tensor named 'conv3'; closest: conv1, conv2, drop")
        }
        XCTAssertThrowsError(try graph.resolve([.glob("pool*")])) { error in
            XCTAssertEqual((error as? StrataError)?.description, "no layer matches 'pool*'")
        }
        XCTAssertThrowsError(try Graph().resolve([.name("a")])) { error in
            XCTAssertEqual((error as? StrataError)?.description, "no layer or tensor named 'a'")
        }
    }

    func testGlobMatching() {
        let cases: [(String, String, Bool)] = [
            ("*", "", true), ("*", "abc", true), ("a*c", "abbbc", true), ("a*c", "abcd", false), ("a?c", "abc", true),
            ("a?c", "ac", false), ("[a-c]x", "bx", true), ("[a-c]x", "dx", false), ("[!a-c]x", "dx", true),
            ("*a*a*", "banana", true), ("*x*", "banana", false), ("a[", "a[", true), ("[]]", "]", true),
        ]
        for (pattern, name, expected) in cases {
            XCTAssertEqual(LayerSelector.globMatches(pattern, name), expected, "\(pattern) ~ \(name)")
        }
    }
}

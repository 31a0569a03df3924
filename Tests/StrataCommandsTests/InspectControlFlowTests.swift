import Foundation
import XCTest
@testable import StrataCommands

/// `strata inspect` lists the nodes inside If branches and Loop/Scan bodies after the node holding
/// them, indented and named by their subgraph (`"subgraph"` in the JSON report).
final class InspectControlFlowTests: CommandTestCase {
    static let ifNested = root + "/Fixtures/ops/control-flow/if_nested.onnx"

    func testBodyNodesAreListedUnderTheirNode() throws {
        let lines = try strata(["inspect", Self.ifNested]).output.split(separator: "\n").map(String.init)
        let names = lines.compactMap { line -> String? in
            let first = line.split(separator: " ", omittingEmptySubsequences: true).first.map(String.init)
            return line.hasPrefix(" ") ? line.trimmingCharacters(in: .whitespaces).components(separatedBy: " ").prefix(2).joined(separator: " ") : first
        }
        let start = try XCTUnwrap(names.firstIndex(of: "outer_if"))
        XCTAssertEqual(Array(names[start...(start + 5)]), [
            "outer_if", "outer_if.else_branch: inner_if", "inner_if.else_branch: inner_neg", "inner_if.then_branch: inner_mul",
            "outer_if.else_branch: else_add", "outer_if.then_branch: then_add",
        ])
        let mul = try XCTUnwrap(lines.first { $0.contains("inner_if.then_branch: inner_mul") })
        XCTAssertTrue(mul.hasPrefix("    "), "nested two levels: \(mul)")
        XCTAssertTrue(mul.contains("float32[2, 3]"), "types from the outer values the body reads: \(mul)")

        let output = try strata(["inspect", Self.ifNested, "--json"]).output
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let nodes = try XCTUnwrap(json["nodes"] as? [[String: Any]])
        let then = try XCTUnwrap(nodes.first { $0["name"] as? String == "then_add" })
        XCTAssertEqual(then["subgraph"] as? String, "outer_if.then_branch")
        XCTAssertNil(nodes.first { $0["name"] as? String == "outer_if" }?["subgraph"])
    }
}

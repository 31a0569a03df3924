import Foundation
import StrataAnalysis
import StrataCore
import XCTest

/// `PathIntegral` against captum 0.9's `approximation_parameters` (`Fixtures/cam/integration-rules.json`,
/// written by `Tools/make-cam-fixtures.py`).
final class PathIntegralTests: XCTestCase {
    func testRulesMatchCaptum() throws {
        let path = CAMTests.folder + "/integration-rules.json"
        let json = try JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: path)), file: "integration-rules.json")
        let rules = try XCTUnwrap(json["rules"]?.members)
        XCTAssertEqual(rules.count, PathIntegral.Method.allCases.count)
        for (name, cases) in rules {
            let method = try XCTUnwrap(PathIntegral.Method(rawValue: name), name)
            for (steps, expected) in try XCTUnwrap(cases.members) {
                let rule = PathIntegral(method, steps: try XCTUnwrap(Int(steps)))
                let alphas = (expected["alphas"]?.array ?? []).map { $0.double! }
                let weights = (expected["step_sizes"]?.array ?? []).map { $0.double! }
                XCTAssertEqual(rule.alphas.count, alphas.count, "\(name) \(steps)")
                // Riemann alphas come from float32 torch.linspace, whose vectorised loop may round the last bit differently.
                let accuracy = method == .gaussLegendre ? 1e-13 : 2e-7
                for (got, want) in zip(rule.alphas, alphas) { XCTAssertEqual(got, want, accuracy: accuracy, "\(name) \(steps) alpha") }
                for (got, want) in zip(rule.stepSizes, weights) { XCTAssertEqual(got, want, accuracy: 1e-13, "\(name) \(steps) step") }
            }
        }
    }
}

import Foundation
import StrataCore
import XCTest
@testable import StrataCommands

/// `strata report` in process: the class activation maps are `strata cam`'s, `--compare` gives a
/// row per matched layer, the size budget's bookkeeping. The page in a browser is
/// `Tools/test-report.py`'s.
final class ReportCommandTests: CommandTestCase {
    func testClassActivationOverlaysAreCamsOverlays() throws {
        let page = scratch + "/report.html"
        try strata(["report", CamCommandTests.kerasCNN, "--input", CamCommandTests.kerasInput, "--cam-methods", "layercam,gradcam", "-o", page, "--quiet"])
        let html = try String(contentsOfFile: page, encoding: .utf8)
        for method in ["layercam", "gradcam"] {
            try strata(["cam", CamCommandTests.kerasCNN, "--input", CamCommandTests.kerasInput, "--method", method, "--out", scratch + "/" + method, "--quiet"])
            let overlay = try Data(contentsOf: URL(fileURLWithPath: scratch + "/" + method + "/overlay.png")).base64EncodedString()
            XCTAssertTrue(html.contains("<figure class=\"cam-overlay\" data-method=\"\(method)\"><img src=\"data:image/png;base64,\(overlay)\""),
                          "the \(method) overlay is not strata cam's")
        }
        XCTAssertTrue(html.contains("Layer &#39;c4&#39; (Conv2D), chosen as strata cam --layer auto does"))
        XCTAssertTrue(html.contains("<input type=\"radio\" name=\"cam-method\" value=\"layercam\" checked>"))
    }

    func testCompareRowsAndNoCAM() throws {
        let page = scratch + "/report.html"
        let console = try strata(["report", Self.tinyCNN, "--input", Self.tinyInput, "--compare", Self.tinyCNN, "--no-cam", "-o", page, "--json", "--quiet"])
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(console.output.utf8)) as? [String: Any])
        let compare = try XCTUnwrap(summary["compare"] as? [String: Any])
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let rows = html.components(separatedBy: "<tr data-status=\"ok\"").count - 1
        XCTAssertEqual(compare["rows"] as? Int, rows)
        XCTAssertGreaterThan(rows, 3)
        XCTAssertTrue(compare["first_divergent"] is NSNull)
        XCTAssertFalse(html.contains("data-status=\"first\""))
        XCTAssertFalse(html.contains("<div id=\"cam\">"))
    }

    func testBudgetSkipsWhatCannotFit() {
        var budget = ReportCommand.Budget(limit: 10_000, reserved: 0)
        XCTAssertTrue(budget.take(3000))
        XCTAssertEqual(budget.left, 10_000 - 4200)
        budget.drew([6000, 9000], shape: [1, 2])
        XCTAssertFalse(budget.mayFit(shape: [1, 2]), "its smallest picture costs 8,200 of 5,800 left")
        XCTAssertTrue(budget.mayFit(shape: [1, 3]))
        XCTAssertFalse(budget.takeAll([3000, 3000]))
        XCTAssertEqual(budget.left, 5800, "all or nothing")
        XCTAssertTrue(budget.takeAll([1000, 1000]))
        XCTAssertEqual(budget.left, 5800 - 2 * 1536)
        XCTAssertFalse(budget.take(4000))
        XCTAssertTrue(budget.mayFit)
        XCTAssertTrue(budget.take(100))
        XCTAssertEqual(budget.smallest, 336)
        budget.left = 300
        XCTAssertFalse(budget.mayFit, "not even the smallest picture so far fits")
    }

    func testBadCAMOptions() {
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["report", Self.tinyCNN, "--input", Self.tinyInput, "--cam-methods", "gradcam,nope", "-o", "x.html"]))
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["report", Self.tinyCNN, "--input", Self.tinyInput, "--cam-methods", ",", "-o", "x.html"]))
        XCTAssertEqual(strataError(["report", Self.tinyCNN, "--input", Self.tinyInput, "--cam-layer", "nope", "-o", scratch + "/x.html"])?
            .hasSuffix("no layer or tensor named 'nope'; closest: gap, conv1, bn1"), true)
    }
}

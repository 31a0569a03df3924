import Foundation
import StrataTestSupport
import XCTest
@testable import StrataExport

/// The folder of the DOT goldens (`Tests/StrataExportTests/Goldens/diagram/`, checked with
/// `Golden.assertMatches`), and the check that Graphviz accepts a DOT text.
enum DiagramGolden {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Goldens/diagram"

    /// Runs `dot -Tsvg` on `text` and fails unless it succeeds and writes an SVG.
    static func assertRenders(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let svg = NSTemporaryDirectory() + "strata-golden-\(UUID().uuidString).svg"
        defer { try? FileManager.default.removeItem(atPath: svg) }
        do {
            try GraphvizRenderer().render(text, format: "svg", to: svg)
            let rendered = String(decoding: FileManager.default.contents(atPath: svg) ?? Data(), as: UTF8.self)
            XCTAssertTrue(rendered.contains("<svg"), "dot wrote no SVG", file: file, line: line)
        } catch {
            XCTFail("dot -Tsvg failed (Graphviz comes with Tools/install-deps.sh): \(error)", file: file, line: line)
        }
    }
}

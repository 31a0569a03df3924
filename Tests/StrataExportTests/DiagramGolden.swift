import Foundation
import XCTest
@testable import StrataExport

/// DOT goldens under `Tests/StrataExportTests/Goldens/diagram/`, and the check that Graphviz
/// accepts a DOT text. Set `STRATA_RECORD_GOLDENS=1` to re-record: recording fails the test so
/// that a recorded run never passes silently; review the diff, then run again without it.
enum DiagramGolden {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Goldens/diagram"

    static func assertMatches(_ text: String, golden name: String, file: StaticString = #filePath, line: UInt = #line) {
        let path = folder + "/" + name
        if ProcessInfo.processInfo.environment["STRATA_RECORD_GOLDENS"] == "1" {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try Data(text.utf8).write(to: URL(fileURLWithPath: path))
                XCTFail("recorded golden \(name); review the diff and run again without STRATA_RECORD_GOLDENS", file: file, line: line)
            } catch {
                XCTFail("cannot record golden \(name): \(error)", file: file, line: line)
            }
            return
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            XCTFail("missing golden \(name); record it with STRATA_RECORD_GOLDENS=1", file: file, line: line)
            return
        }
        let expected = String(decoding: data, as: UTF8.self)
        guard expected != text else { return }
        let a = expected.components(separatedBy: "\n"), b = text.components(separatedBy: "\n")
        let index = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        XCTFail("""
            \(name) differs from its golden at line \(index + 1):
              golden: \(index < a.count ? a[index] : "<end>")
              actual: \(index < b.count ? b[index] : "<end>")
            """, file: file, line: line)
    }

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

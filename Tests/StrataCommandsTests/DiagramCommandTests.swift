import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataCommands

/// `strata diagram` in process: DOT goldens of the ONNX fixtures (kept with the other diagram
/// goldens in `Tests/StrataExportTests/Goldens/diagram/`), each rendered by Graphviz, and the
/// command's outputs and errors.
final class DiagramCommandTests: CommandTestCase {
    static let transformer = root + "/Fixtures/diagram/transformer-block.onnx"
    static let hostileDiagram = root + "/Fixtures/diagram/hostile-names.onnx"
    static let goldens = root + "/Tests/StrataExportTests/Goldens/diagram"

    /// Renders `-o FILE.svg` through the command and checks an SVG came out.
    func assertRenders(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) {
        let svg = scratch + "/\(UUID().uuidString).svg"
        XCTAssertNoThrow(try strata(arguments + ["-o", svg]), file: file, line: line)
        let text = String(decoding: FileManager.default.contents(atPath: svg) ?? Data(), as: UTF8.self)
        XCTAssertTrue(text.contains("<svg"), "no SVG for \(arguments)", file: file, line: line)
    }

    func testONNXGoldensRenderThroughGraphviz() throws {
        let all = ["--show-params", "--show-attrs", "--show-dtype", "--legend", "--edge-shapes", "--rankdir", "LR"]
        let cases: [(String, [String])] = [
            ("onnx-tiny-cnn.dot", ["diagram", Self.tinyCNN]),
            ("onnx-tiny-cnn-all-options.dot", ["diagram", Self.tinyCNN] + all),
            ("onnx-tiny-cnn-all-nodes.dot", ["diagram", Self.tinyCNN, "--all-nodes", "--no-show-shapes"]),
            ("onnx-transformer-block.dot", ["diagram", Self.transformer, "--show-attrs", "--show-params"]),
            ("onnx-transformer-block-all-nodes.dot", ["diagram", Self.transformer, "--all-nodes", "--edge-shapes"]),
            ("onnx-hostile-names.dot", ["diagram", Self.hostileDiagram] + all),
            ("onnx-hostile-names-importer.dot", ["diagram", Self.hostile, "--show-attrs", "--edge-shapes"]),
        ]
        for (golden, arguments) in cases {
            let output = try strata(arguments).output
            Golden.assertMatches(output, golden: Self.goldens + "/" + golden)
            assertRenders(arguments)
        }
    }

    func testTransformerReadsLikeItsArchitecture() throws {
        let text = try strata(["diagram", Self.transformer]).output
        for hidden in ["Shape</FONT>", "Gather</FONT>", "Unsqueeze</FONT>", "Constant</FONT>", "Cast</FONT>"] {
            XCTAssertFalse(text.contains(hidden), "\(hidden) is drawn")
        }
        XCTAssertEqual(text.components(separatedBy: " -> ").count - 1, 38)
        let everything = try strata(["diagram", Self.transformer, "--all-nodes"]).output
        XCTAssertTrue(everything.contains("Shape</FONT>"))
        XCTAssertEqual(everything.components(separatedBy: "[label=<<B>").count - 1, 1 + 98 + 10 + 1)
    }

    func testOutputFileFormatsAndDeterminism() throws {
        let stdout = try strata(["diagram", Self.tinyCNN]).output
        XCTAssertEqual(stdout, try strata(["diagram", Self.tinyCNN]).output)
        try strata(["diagram", Self.tinyCNN, "-o", scratch + "/cnn.dot"])
        XCTAssertEqual(String(decoding: FileManager.default.contents(atPath: scratch + "/cnn.dot") ?? Data(), as: UTF8.self), stdout)
        for format in ["png", "pdf"] {
            try strata(["diagram", Self.tinyCNN, "--output", scratch + "/cnn." + format])
            XCTAssertGreaterThan(FileManager.default.contents(atPath: scratch + "/cnn." + format)?.count ?? 0, 100)
        }
        XCTAssertEqual(folderContents(scratch), ["cnn.dot", "cnn.pdf", "cnn.png"], "temporary files left behind")
        XCTAssertEqual(
            strataError(["diagram", Self.tinyCNN, "-o", scratch + "/cnn.jpeg"]),
            "\(scratch!)/cnn.jpeg: cannot tell the format of '\(scratch!)/cnn.jpeg': use a .dot, .gv, .svg, .png or .pdf file name")
    }

    func testFromToAndTheirErrors() throws {
        let text = try strata(["diagram", Self.tinyCNN, "--from", "pool1", "--to", "residual"]).output
        let boxes = text.components(separatedBy: "\n").filter { $0.contains("[label=<<B>") }
        XCTAssertEqual(boxes.map { $0.components(separatedBy: "<B>")[1].components(separatedBy: "</B>")[0] }, ["pool1", "conv2", "residual"])
        XCTAssertEqual(
            strataError(["diagram", Self.tinyCNN, "--from", "conv9"]),
            "\(Self.tinyCNN): no layer named 'conv9' (`strata layers` lists them)")
    }

    func testConfigFileAndFlagsOverridingIt() throws {
        let config = scratch + "/diagram.json"
        try Data(#"{"rankdir": "LR", "show-params": true, "legend": true}"#.utf8).write(to: URL(fileURLWithPath: config))
        let configured = try strata(["diagram", Self.tinyCNN, "--options", config]).output
        XCTAssertTrue(configured.contains("rankdir=LR"))
        XCTAssertTrue(configured.contains("params 224"))
        XCTAssertTrue(configured.contains("cluster_legend"))
        let overridden = try strata(["diagram", Self.tinyCNN, "--options", config, "--no-show-params", "--rankdir", "BT"]).output
        XCTAssertTrue(overridden.contains("rankdir=BT"))
        XCTAssertFalse(overridden.contains("params 224"))

        try Data(#"{"rank-dir": "LR"}"#.utf8).write(to: URL(fileURLWithPath: config))
        XCTAssertEqual(
            strataError(["diagram", Self.tinyCNN, "--options", config]),
            "\(Self.tinyCNN): diagram config has an unknown option 'rank-dir'")
    }

    func testUsageErrors() {
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["diagram", Self.tinyCNN, "--rankdir", "UP"]))
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["diagram", Self.tinyCNN, "--max-depth", "0"]))
    }

    /// DenseNet-121 from the parity fixtures when they have been generated; prints the time.
    func testDenseNetWhenPresent() throws {
        let path = Self.root + "/Fixtures/generated/parity/densenet121/model.onnx"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("no \(path)") }
        let start = Date()
        let text = try strata(["diagram", path, "--show-attrs", "--show-params"]).output
        print("diagram of densenet121: \(String(format: "%.3f", Date().timeIntervalSince(start))) s")
        XCTAssertGreaterThan(text.components(separatedBy: "[label=<<B>").count, 400)
    }
}

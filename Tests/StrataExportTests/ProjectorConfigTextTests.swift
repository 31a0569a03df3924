import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataExport

/// Reading `projector_config.pbtxt` far enough to merge into it, and `write(toRun:subfolder:)`.
/// (Tools/test-tensorboard.py parses the merged files with TensorBoard's own projector plugin.)
final class ProjectorConfigTextTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        // A folder that does not exist yet, inside a scratch folder removed after the test.
        folder = try makeScratchFolder(prefix: "strata-projector-config") + "/out"
    }

    /// Every form of the text format a hand-written or TensorFlow-written config may use.
    static let handWritten = """
        # written by hand
        model_checkpoint_path: "ckpt/model.ckpt-10"
        embeddings: {
          tensor_name: 'word' "_embedding"  # adjacent strings are one
          tensor_path: "a\\tb/\\303\\251.tsv";
          tensor_shape: [10, 3]
          sprite < image_path: "s.png" single_image_dim: [28, 28] >
          [some.extension] { x: 1 }
        },
        embeddings { tensor_name: "other" tensor_path: "./run/x.bytes" bookmarks_path: "\\x41\\"\\\\" }
        embeddings {}
        """

    func testFindsTopLevelEmbeddingsAndTheirStrings() throws {
        let text = try ProjectorConfigText(Array(Self.handWritten.utf8), file: "c.pbtxt")
        XCTAssertEqual(text.entries.map(\.tensorName), ["word_embedding", "other", nil])
        XCTAssertEqual(text.entries.map(\.tensorPath), ["a\tb/é.tsv", "./run/x.bytes", nil])
        let first = String(decoding: text.bytes[text.entries[0].range], as: UTF8.self)
        XCTAssertTrue(first.hasPrefix("embeddings: {") && first.hasSuffix("},"), first)
    }

    func testReplacingKeepsEverythingElseByteForByte() throws {
        let text = try ProjectorConfigText(Array(Self.handWritten.utf8), file: "c.pbtxt")
        let out = String(decoding: text.replacing(where: { $0.tensorName == "other" }, appending: "embeddings { tensor_name: \"new\" }\n"),
                         as: UTF8.self)
        let lines = Self.handWritten.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(out, lines[0 ..< 9].joined(separator: "\n") + "\nembeddings {}\nembeddings { tensor_name: \"new\" }\n")
        XCTAssertEqual(try ProjectorConfigText(Array(out.utf8), file: "c").entries.map(\.tensorName), ["word_embedding", nil, "new"])
        // Nothing dropped: a line break added before what is appended.
        let same = try ProjectorConfigText(Array("a: 1".utf8), file: "c").replacing(where: { _ in true }, appending: "b: 2\n")
        XCTAssertEqual(String(decoding: same, as: UTF8.self), "a: 1\nb: 2\n")
    }

    func testRefusesWhatIsNotTextFormat() {
        let cases: [(String, String)] = [
            ("embeddings { tensor_path: \"x", "unterminated string at byte 26"),
            ("embeddings { tensor_path: \"x\" ", "unterminated message at byte 30"),
            ("embeddings }", "expected a value at byte 11"),
            ("tensor_name \"x\"", "a scalar value needs ':' at byte 12"),
            ("a: [1 2]", "expected ',' or ']' in a list at byte 6"),
            ("a: \"\\400\"", "octal escape above \\377 at byte 3"),
            ("a: @", "unexpected byte 0x40 at byte 3"),
            ("a:", "a field without a value at byte 2"),
            (String(repeating: "a {", count: 100) + String(repeating: "}", count: 100), "messages nested more than 64 deep at byte 191"),
        ]
        for (text, detail) in cases {
            XCTAssertThrowsError(try ProjectorConfigText(Array(text.utf8), file: "c.pbtxt"), text) { error in
                XCTAssertEqual((error as? StrataError)?.description, "c.pbtxt: not a projector config in protobuf text format: \(detail)", text)
            }
        }
    }

    /// Mangled configs (bytes flipped, dropped, truncated) either read or throw a StrataError; the
    /// entries found always lie within the text.
    func testMangledConfigsReadOrThrow() {
        let original = Array(Self.handWritten.utf8)
        var random = SeededGenerator(seed: 1)
        func next(_ bound: Int) -> Int { random.below(bound) }
        var read = 0
        for _ in 0 ..< 3000 {
            var text = original
            for _ in 0 ... next(4) {
                switch next(3) {
                case 0: text[next(text.count)] = UInt8(next(256))
                case 1: text.remove(at: next(text.count))
                default: text = Array(text.prefix(next(text.count) + 1))
                }
                if text.isEmpty { break }
            }
            do {
                let config = try ProjectorConfigText(text, file: "c")
                XCTAssertTrue(config.entries.allSatisfy { $0.range.lowerBound >= 0 && $0.range.upperBound <= text.count })
                read += 1
            } catch {
                XCTAssertTrue(error is StrataError, "\(error)")
            }
        }
        XCTAssertGreaterThan(read, 0)
    }

    func testWriteToRunMergesIntoTheRunsConfig() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let config = folder + "/" + TensorBoardProjector.configName
        let foreign = "# mine\nembeddings { tensor_name: \"words\" tensor_path: \"words.tsv\" }\n"
        try Data(foreign.utf8).write(to: URL(fileURLWithPath: config))
        func projector(_ name: String, value: Float) -> TensorBoardProjector {
            TensorBoardProjector(embeddings: [.init(name: name, fileStem: "embedding", rows: 1, columns: 2, values: [value, -2])],
                                 metadataColumns: ["file"], metadata: [["a.png"]])
        }
        let written = try projector("fc (step 1)", value: 1.5).write(toRun: folder, subfolder: "fc-1")
        XCTAssertEqual(written, ["fc-1/embedding.bytes", "fc-1/metadata.tsv", "projector_config.pbtxt"])
        try projector("fc (step 2)", value: 1.5).write(toRun: folder, subfolder: "fc-2")
        // The same subfolder again: its entry replaced, the others kept as they were.
        try projector("fc (step 1)", value: 3).write(toRun: folder, subfolder: "fc-1")
        let text = try String(contentsOfFile: config, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix(foreign), text)
        XCTAssertEqual(try ProjectorConfigText(Array(text.utf8), file: config).entries.map(\.tensorPath),
                       ["words.tsv", "fc-2/embedding.bytes", "fc-1/embedding.bytes"])
        XCTAssertTrue(text.hasSuffix("""
            embeddings {
              tensor_name: "fc (step 1)"
              tensor_path: "fc-1/embedding.bytes"
              tensor_shape: 1
              tensor_shape: 2
              metadata_path: "fc-1/metadata.tsv"
            }

            """), text)
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/fc-1/embedding.bytes"))), [0, 0, 0x40, 0x40, 0, 0, 0, 0xC0])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["fc-1", "fc-2", "projector_config.pbtxt"])
    }
}

import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataExport

/// The projector files: config text, float32 tensors (TSV when the bytes would read as UTF-8),
/// metadata TSV with TensorBoard's header rule, and escaped names. (Tools/test-embed.py reads the
/// files a real run writes with TensorBoard's own projector plugin.)
final class TensorBoardProjectorTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        // A folder that does not exist yet, inside a scratch folder removed after the test.
        folder = try makeScratchFolder(prefix: "strata-projector") + "/out"
    }

    private func text(_ relative: String) throws -> String {
        try String(contentsOfFile: folder + "/" + relative, encoding: .utf8)
    }

    func testWritesConfigTensorsMetadataAndSprite() throws {
        let staged = try StagedFolder(destination: folder)
        // 1.5 and -2 are 0x3FC00000 and 0xC0000000: bytes 0xC0 and 0xFF are never valid UTF-8.
        let binary = TensorBoardProjector.Embedding(name: "fc \"t-SNE\"", fileStem: "embedding", rows: 2, columns: 2, values: [1.5, -2, 0, 1])
        // All bytes zero: valid UTF-8 (NULs), so TensorBoard would read it as text; written as TSV.
        let zeros = TensorBoardProjector.Embedding(name: "zeros", fileStem: "zeros", rows: 2, columns: 1, values: [0, 0])
        let projector = TensorBoardProjector(
            embeddings: [binary, zeros], metadataColumns: ["label", "file"], metadata: [["3", "a\tb.png"], ["é", "c.png"]],
            sprite: .init(bytes: [1, 2, 3], cellWidth: 8, cellHeight: 6))
        let written = try projector.write(into: staged, subfolder: "projector")
        try staged.commit()
        XCTAssertEqual(written, ["projector/embedding.bytes", "projector/zeros.tsv", "projector/metadata.tsv", "projector/sprite.png",
                                 "projector/projector_config.pbtxt"])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/projector/embedding.bytes"))
        XCTAssertEqual(Array(bytes), [0, 0, 0xC0, 0x3F, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x80, 0x3F])
        XCTAssertEqual(try text("projector/zeros.tsv"), "0.0\n0.0\n")
        XCTAssertEqual(try text("projector/metadata.tsv"), "label\tfile\n3\ta b.png\né\tc.png\n")
        XCTAssertEqual(try text("projector/projector_config.pbtxt"), """
            embeddings {
              tensor_name: "fc \\"t-SNE\\""
              tensor_path: "embedding.bytes"
              tensor_shape: 2
              tensor_shape: 2
              metadata_path: "metadata.tsv"
              sprite {
                image_path: "sprite.png"
                single_image_dim: 8
                single_image_dim: 6
              }
            }
            embeddings {
              tensor_name: "zeros"
              tensor_path: "zeros.tsv"
              metadata_path: "metadata.tsv"
              sprite {
                image_path: "sprite.png"
                single_image_dim: 8
                single_image_dim: 6
              }
            }

            """)
    }

    func testOneMetadataColumnHasNoHeaderAndNonASCIINamesAreOctalEscaped() {
        let projector = TensorBoardProjector(embeddings: [], metadataColumns: ["file"], metadata: [["a.png"], ["b.png"]])
        XCTAssertEqual(projector.metadataTSV(), "a.png\nb.png\n")
        XCTAssertEqual(TensorBoardProjector.quoted("é\\\n"), "\"\\303\\251\\\\\\n\"")
    }
}

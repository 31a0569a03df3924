import Foundation
import StrataCore
import StrataExport
import XCTest
@testable import StrataCommands

/// `strata embed` end to end on the demo model and its held-out digits (PCA: fast in debug
/// builds; t-SNE and UMAP on thousands of inputs are Tools/test-embed.py's), the labels file, and
/// refusals.
final class EmbedCommandTests: CommandTestCase {
    static let demo = root + "/Fixtures/demo/digits.keras"
    static let heldout = root + "/Fixtures/demo/heldout"
    static let labels = root + "/Fixtures/demo/labels.csv"

    func testPCAOfTheDemoWritesEveryFile() throws {
        let out = scratch + "/pca"
        let console = try strata(["embed", Self.demo, "--images", Self.heldout, "--preprocess", "raw", "--layer", "gap",
                                  "--method", "pca", "--labels", Self.labels, "--out", out, "--format", "svg"])
        XCTAssertEqual(folderContents(out), ["embedding.csv", "embedding.npy", "index.html", "manifest.json", "projector", "scatter.svg"])
        XCTAssertEqual(folderContents(out + "/projector"),
                       ["embedding.bytes", "features.bytes", "metadata.tsv", "projector_config.pbtxt", "sprite.png"])
        XCTAssertTrue(console.errors.contains("strata: PCA: explained variance: PC1 "), console.errors)
        let embedding = try NPYFile.read(out + "/embedding.npy")
        XCTAssertEqual(embedding.shape, [360, 2])
        let csv = try String(contentsOfFile: out + "/embedding.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 361)
        XCTAssertEqual(csv[0], "file,label,x,y")
        let first = csv[1].split(separator: ",")
        XCTAssertEqual(first[0], Substring(Self.heldout + "/000-d1.png"))
        XCTAssertEqual(first[1], "1", "the label of heldout/000-d1.png in labels.csv")
        XCTAssertEqual(Float(first[2]), Float(embedding.doubleValue(at: 0)))
        let manifest = try manifest(in: out)
        XCTAssertEqual(manifest["inputs"] as? Int, 360)
        XCTAssertEqual(manifest["features"] as? Int, 32, "gap: the 32 channels of conv4")
        XCTAssertEqual(manifest["labels"] as? [String], (0 ... 9).map(String.init))
        XCTAssertEqual(manifest["unlabelled"] as? Int, 0)
        let method = try XCTUnwrap(manifest["method"] as? [String: Any])
        XCTAssertEqual(method["name"] as? String, "pca")
        let ratios = try XCTUnwrap(method["explainedVarianceRatio"] as? [Double])
        XCTAssertEqual(ratios.count, 2)
        XCTAssertGreaterThan(ratios[0], ratios[1])
        let metadata = try String(contentsOfFile: out + "/projector/metadata.tsv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(metadata.count, 361)
        XCTAssertEqual(metadata[0], "label\tfile")
    }

    func testLabelsFromFoldersAndThreeDimensions() throws {
        let images = scratch + "/images"
        for (folder, file) in [("three", "017-d3.png"), ("seven", "029-d7.png"), ("eight", "023-d8.png"), ("three", "030-d3.png")] {
            try FileManager.default.createDirectory(atPath: images + "/" + folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.heldout + "/" + file, toPath: images + "/" + folder + "/" + file)
        }
        let out = scratch + "/out"
        let console = try strata(["embed", Self.demo, "--images", images, "--preprocess", "raw", "--layer", "pool2", "--pool", "max",
                                  "--method", "pca", "--dims", "3", "--labels-from-folders", "--out", out, "--json", "--thumbnails"])
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(console.output.utf8)) as? [String: Any])
        XCTAssertEqual(manifest["labels"] as? [String], ["eight", "seven", "three"])
        XCTAssertEqual(manifest["pool"] as? String, "max")
        XCTAssertEqual(try NPYFile.read(out + "/embedding.npy").shape, [4, 3])
        XCTAssertEqual(console.errors, "", "--json prints no progress")
    }

    func testLabelsCSVParsing() throws {
        let csv = scratch + "/labels.csv"
        try "Label,other,FILE\r\n\"cat, black\",x,a/b.png\n\"say \"\"hi\"\"\",y,/abs/c.png\n7,z,3\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let labels = try EmbeddingLabels(csv: csv)
        XCTAssertEqual(labels.label(file: scratch + "/a/./b.png", index: 0), "cat, black")
        XCTAssertEqual(labels.label(file: "/abs/c.png", index: 5), "say \"hi\"")
        XCTAssertEqual(labels.label(file: nil, index: 3), "7")
        XCTAssertNil(labels.label(file: scratch + "/missing.png", index: 3))

        try "file,label\na.png,1\na.png,2\n".write(toFile: csv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try EmbeddingLabels(csv: csv)) { error in
            XCTAssertEqual((error as? StrataError)?.description, "\(csv): row 3: 'a.png' is labelled both '1' and '2'")
        }
        try "file,name\na.png,1\n".write(toFile: csv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try EmbeddingLabels(csv: csv))
        try "file,label\n\"a.png,1\n".write(toFile: csv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try EmbeddingLabels(csv: csv)) { error in
            XCTAssertEqual((error as? StrataError)?.description, "\(csv): a quoted field is not closed")
        }
    }

    func testRefusesWhatItCannotEmbed() throws {
        let out = scratch + "/x"
        XCTAssertEqual(strataError(["embed", Self.demo, "--images", Self.heldout, "--preprocess", "raw", "--layer", "conv*", "--out", out])?
            .hasSuffix("--layer 'conv*' matches 4 outputs (conv1, conv2, conv3, conv4); embed one at a time"), true)
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["embed", Self.demo, "--layer", "fc", "--out", out, "--dims", "4"]))
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["embed", Self.demo, "--layer", "fc", "--out", out, "--labels-from-folders"]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing written on failure")
    }
}

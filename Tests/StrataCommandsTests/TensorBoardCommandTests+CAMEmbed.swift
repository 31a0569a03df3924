import Foundation
import StrataCore
import StrataExport
import StrataTestSupport
import XCTest
@testable import StrataCommands

/// `--tensorboard` on cam, saliency and embed: tags, steps, images equal to the files of `--out`,
/// scalars equal to the manifests, projector configs merged. Tools/test-tensorboard.py reads the
/// same files with TensorBoard's own loader and projector plugin.
extension TensorBoardCommandTests {
    static let otherDigit = root + "/Fixtures/demo/heldout/029-d7.png"

    func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func testCamLogsOverlaysHeatmapsAndScoresPerInput() throws {
        let out = scratch + "/cam", logs = scratch + "/logs"
        try strata(["cam", Self.demo, "--image", Self.digit, "--image", Self.otherDigit, "--preprocess", "raw", "--metric", "drop",
                    "--out", out, "--quiet", "--tensorboard", logs, "--run", "cam", "--step", "2"])
        let events = try self.events(in: logs + "/cam")
        XCTAssertEqual(Set(events.dropFirst().map(\.step)), [2])
        XCTAssertEqual(tags(events), [
            "conv4/gradcam-overlay/017-d3", "conv4/gradcam-heatmap/017-d3", "cam/conv4/gradcam/score/017-d3", "cam/conv4/gradcam/drop/017-d3",
            "conv4/gradcam-overlay/029-d7", "conv4/gradcam-heatmap/029-d7", "cam/conv4/gradcam/score/029-d7", "cam/conv4/gradcam/drop/029-d7",
        ])
        let images = try XCTUnwrap(manifest(in: out)["images"] as? [[String: Any]])
        let values = events.flatMap(\.values)
        for (entry, input) in zip(images, ["017-d3", "029-d7"]) {
            let score = try XCTUnwrap(entry["score"] as? Double)
            let drop = try XCTUnwrap((entry["metric"] as? [String: Any])?["drop"] as? Double)
            for value in values {
                switch value {
                case .image(let tag, let png, let width, let height, _) where tag == "conv4/gradcam-overlay/\(input)":
                    XCTAssertEqual(png, try bytes("\(out)/\(input)/overlay.png"))
                    XCTAssertEqual([width, height], [32, 32])
                case .image(let tag, let png, let width, let height, _) where tag == "conv4/gradcam-heatmap/\(input)":
                    XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
                    XCTAssertEqual([width, height], [32, 32])
                case .scalar(let tag, let x) where tag == "cam/conv4/gradcam/score/\(input)":
                    XCTAssertEqual(x, Float(score))
                case .scalar(let tag, let x) where tag == "cam/conv4/gradcam/drop/\(input)":
                    XCTAssertEqual(x, Float(drop))
                default: continue
                }
            }
        }
    }

    func testCamOfOneInputHasNoInputPartAndAFailureLeavesNoLog() throws {
        let out = scratch + "/cam", logs = scratch + "/logs"
        let console = try strata(["cam", Self.demo, "--image", Self.digit, "--preprocess", "raw", "--layer", "conv3", "--method", "eigencam",
                                  "--out", out, "--tensorboard", logs])
        XCTAssertTrue(console.output.contains("logged the CAMs to TensorBoard at step 0: \(logs)/events.out.tfevents."), console.output)
        XCTAssertEqual(tags(try events(in: logs)), ["conv3/eigencam-overlay", "conv3/eigencam-heatmap", "cam/conv3/eigencam/score"])

        // A --target other than top is part of the tags.
        let targeted = scratch + "/targeted"
        try strata(["cam", Self.demo, "--image", Self.digit, "--preprocess", "raw", "--layer", "conv3", "--target", "5",
                    "--out", scratch + "/cam5", "--quiet", "--tensorboard", targeted])
        XCTAssertEqual(tags(try events(in: targeted)), ["conv3/gradcam[5]-overlay", "conv3/gradcam[5]-heatmap", "cam/conv3/gradcam[5]/score"])
        XCTAssertEqual(TensorBoardLog.methodTag("gradcam", target: "probs/out[cat]"), "gradcam[probs_out[cat]]")
        XCTAssertEqual(TensorBoardLog.methodTag("gradcam", target: "top"), "gradcam")

        let failed = scratch + "/failed"
        XCTAssertNotNil(strataError(["cam", Self.demo, "--image", Self.digit, "--preprocess", "raw", "--layer", "nonesuch",
                                     "--out", out, "--tensorboard", failed]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: failed))
    }

    /// `strata tensorboard --cam`: each step holds the CAM images and score of the first --max-maps
    /// inputs, the images and score `strata cam` gives for that input and layer.
    func testCheckpointsLogTheCAMsOfTheFirstInputs() throws {
        // Twelve images in batches of 5, for cam and tensorboard alike: the same sums in the same order.
        let logs = scratch + "/logs", images = scratch + "/images"
        try FileManager.default.createDirectory(atPath: images, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.root + "/Fixtures/demo/heldout").sorted().prefix(12) {
            try FileManager.default.copyItem(atPath: Self.root + "/Fixtures/demo/heldout/" + name, toPath: images + "/" + name)
        }
        try strata(["tensorboard", Self.demo, Self.demo, "--steps", "3,8", "--images", images, "--preprocess", "raw", "--batch", "5",
                    "--layer", "fc", "--max-maps", "1", "--cam", "gradcam", "--cam-layer", "conv3", "--logdir", logs, "--quiet"])
        try strata(["cam", Self.demo, "--images", images, "--batch", "5", "--preprocess", "raw", "--layer", "conv3", "--out", scratch + "/cam", "--quiet"])
        let first = try XCTUnwrap((manifest(in: scratch + "/cam")["images"] as? [[String: Any]])?.first)
        let score = try XCTUnwrap(first["score"] as? Double)
        let overlay = try bytes(scratch + "/cam/000-d1/overlay.png")
        let events = try self.events(in: logs)
        let perStep = Dictionary(grouping: events.dropFirst(), by: \.step)
        XCTAssertEqual(perStep.keys.sorted(), [3, 8])
        for (step, stepEvents) in perStep {
            let values = stepEvents.flatMap(\.values)
            XCTAssertEqual(tags(stepEvents).filter { $0.contains("gradcam") },
                           ["conv3/gradcam-overlay/000-d1", "conv3/gradcam-heatmap/000-d1", "cam/conv3/gradcam/score/000-d1"], "step \(step)")
            for value in values {
                if case .image("conv3/gradcam-overlay/000-d1", let png, _, _, _) = value { XCTAssertEqual(png, overlay, "step \(step)") }
                if case .scalar("cam/conv3/gradcam/score/000-d1", let x) = value { XCTAssertEqual(x, Float(score), "step \(step)") }
            }
        }
        for arguments in [
            ["tensorboard", Self.demo, "--images", images, "--layer", "fc", "--logdir", logs, "--target", "3"],
            ["tensorboard", Self.demo, "--images", images, "--layer", "fc", "--logdir", logs, "--cam-layer", "conv3"],
            ["tensorboard", Self.demo, "--images", images, "--layer", "fc", "--logdir", logs, "--cam", "gradcam", "--max-maps", "0"],
        ] {
            XCTAssertThrowsError(try StrataCommand.parseAsRoot(arguments), "\(arguments)")
        }
    }

    func testSaliencyLogsItsPicturesAndScores() throws {
        let out = scratch + "/saliency", logs = scratch + "/logs"
        try strata(["saliency", Self.demo, "--image", Self.digit, "--preprocess", "raw", "--out", out, "--quiet",
                    "--tensorboard", logs, "--step", "9"])
        let events = try self.events(in: logs)
        XCTAssertEqual(tags(events), ["saliency/gradient", "saliency/gradient-score"])
        XCTAssertEqual(Set(events.dropFirst().map(\.step)), [9])
        guard case .image(_, let png, _, _, _) = events.dropFirst().first?.values.first else { return XCTFail("no image") }
        XCTAssertEqual(png, try bytes(out + "/saliency.png"))
    }

    /// Three runs of embed into one TensorBoard run: steps 4 and 5 add their entries to the one
    /// projector config; step 4 again replaces its own entries and files and keeps step 5's.
    func testEmbedLogsScatterScalarsAndMergesTheProjectorConfig() throws {
        let logs = scratch + "/logs"
        func embed(step: Int, out: String) throws {
            try strata(["embed", Self.demo, "--images", Self.root + "/Fixtures/demo/heldout", "--preprocess", "raw", "--layer", "fc",
                        "--method", "pca", "--labels", Self.root + "/Fixtures/demo/labels.csv", "--out", out, "--quiet",
                        "--tensorboard", logs, "--run", "embed", "--step", String(step)])
        }
        func config() throws -> ProjectorConfigText {
            let path = logs + "/embed/" + TensorBoardProjector.configName
            return try ProjectorConfigText(try bytes(path), file: path)
        }
        try embed(step: 4, out: scratch + "/e4")
        let events = try self.events(in: logs + "/embed")
        XCTAssertEqual(tags(events), [
            "fc/pca-scatter", "embed/fc/pca/explained_variance/PC1", "embed/fc/pca/explained_variance_ratio/PC1",
            "embed/fc/pca/explained_variance/PC2", "embed/fc/pca/explained_variance_ratio/PC2",
        ])
        guard case .image(_, let png, _, _, _) = events.dropFirst().first?.values.first else { return XCTFail("no scatter") }
        XCTAssertEqual(png, try bytes(scratch + "/e4/scatter.png"))
        let method = try XCTUnwrap(manifest(in: scratch + "/e4")["method"] as? [String: Any])
        let ratios = try XCTUnwrap(method["explainedVarianceRatio"] as? [Double])
        guard case .scalar(_, let first) = events.last?.values[1] else { return XCTFail("no ratio") }
        XCTAssertEqual(first, Float(ratios[0]))
        XCTAssertEqual(try bytes(logs + "/embed/fc-pca-step4/embedding.bytes"), try bytes(scratch + "/e4/projector/embedding.bytes"))
        XCTAssertEqual(try config().entries.map(\.tensorName), ["fc PCA (step 4)", "fc (step 4)"])
        XCTAssertEqual(try config().entries.map(\.tensorPath), ["fc-pca-step4/embedding.bytes", "fc-pca-step4/features.bytes"])

        try embed(step: 5, out: scratch + "/e5")
        try embed(step: 4, out: scratch + "/e4b")
        XCTAssertEqual(try config().entries.map(\.tensorName), ["fc PCA (step 5)", "fc (step 5)", "fc PCA (step 4)", "fc (step 4)"])
        XCTAssertEqual(folderContents(logs + "/embed").filter { !$0.hasPrefix("events.") },
                       ["fc-pca-step4", "fc-pca-step5", "projector_config.pbtxt"])
        XCTAssertEqual(folderContents(logs + "/embed").filter { $0.hasPrefix("events.") }.count, 3)
    }

    func testEmbedRefusesAConfigItCannotReadAndLeavesIt() throws {
        let logs = scratch + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let broken = Array("embeddings { tensor_path: \"x.tsv\"\n".utf8)
        try Data(broken).write(to: URL(fileURLWithPath: logs + "/projector_config.pbtxt"))
        let error = strataError(["embed", Self.demo, "--images", Self.root + "/Fixtures/demo/heldout", "--preprocess", "raw", "--layer", "fc", "--method", "pca", "--out", scratch + "/e", "--tensorboard", logs])
        XCTAssertEqual(error, "\(logs)/projector_config.pbtxt: not a projector config in protobuf text format: unterminated message at byte 34")
        XCTAssertEqual(try bytes(logs + "/projector_config.pbtxt"), broken)
        XCTAssertEqual(folderContents(logs), ["projector_config.pbtxt"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/e"))
    }
}

import ArgumentParser
import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataCommands

/// `--tensorboard` on maps, filters and stats, and `strata tensorboard`, in process: tags, steps,
/// what a failure leaves. Tools/test-tensorboard.py reads the files with TensorBoard itself and
/// checks the numbers against numpy.
final class TensorBoardCommandTests: CommandTestCase {
    static let demo = root + "/Fixtures/demo/digits.keras"
    static let digit = root + "/Fixtures/demo/heldout/017-d3.png"

    func events(in folder: String) throws -> [EventFileReader.Event] {
        let files = folderContents(folder).filter { $0.hasPrefix("events.out.tfevents.") }
        XCTAssertEqual(files.count, 1, "\(folder): \(files)")
        return try EventFileReader.events(at: folder + "/" + XCTUnwrap(files.first))
    }

    func tags(_ events: [EventFileReader.Event]) -> [String] {
        events.flatMap(\.values).map { value -> String in
            switch value {
            case .scalar(let tag, _), .image(let tag, _, _, _, _), .histogram(let tag, _, _, _, _, _, _, _): return tag
            }
        }
    }

    func testMapsLogsEveryPictureAsAPNG() throws {
        let out = scratch + "/maps", logs = scratch + "/logs"
        try strata(["maps", Self.tinyCNN, "--input", Self.tinyInput, "--layer", "conv1", "--layer", "fc", "--out", out, "--quiet",
                    "--tensorboard", logs, "--run", "a/b", "--step", "7"])
        let events = try self.events(in: logs + "/a/b")
        XCTAssertEqual(events.first?.fileVersion, "brain.Event:2")
        XCTAssertEqual(Set(events.dropFirst().map(\.step)), [7])
        // The .npy holds a batch of two: each input gets a subfolder in --out and a last tag part.
        XCTAssertEqual(tags(events), [
            "conv1/grid/input-0", "conv1/mean/input-0", "conv1/max/input-0", "conv1/grid/input-1", "conv1/mean/input-1",
            "conv1/max/input-1", "fc/bars/input-0", "fc/bars/input-1",
        ])
        for value in events.flatMap(\.values) {
            guard case .image(let tag, let png, _, _, let channels) = value else { return XCTFail("\(value) is not an image") }
            let parts = tag.split(separator: "/")
            guard parts.count == 3 else { return XCTFail("\(tag) is not LAYER/KIND/INPUT") }
            let file = "\(out)/\(parts[2])/\(parts[0])-\(parts[1]).png"
            XCTAssertEqual(png, [UInt8](try Data(contentsOf: URL(fileURLWithPath: file))), tag)
            XCTAssertEqual(channels, 3)
        }
    }

    func testMapsOfSeveralInputsTagEachInputAndPNGsEvenForSVG() throws {
        let logs = scratch + "/logs"
        let other = Self.root + "/Fixtures/demo/heldout/029-d7.png"
        try strata(["maps", Self.demo, "--image", Self.digit, "--image", other, "--preprocess", "raw", "--layer", "fc", "--format", "svg",
                    "--out", scratch + "/maps", "--quiet", "--tensorboard", logs])
        let events = try self.events(in: logs)
        XCTAssertEqual(tags(events), ["fc/bars/017-d3", "fc/bars/029-d7"])
        for case .image(_, let png, _, _, _) in events.flatMap(\.values) {
            XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        }
    }

    func testStatsLogsHistogramsAndScalars() throws {
        let logs = scratch + "/logs"
        let console = try strata(["stats", Self.tinyCNN, "--input", Self.tinyInput, "--layer", "relu1", "--layer", "fc", "--json",
                                  "--tensorboard", logs, "--step", "2"])
        let document = try JSONValue.parse(Data(console.output.utf8))
        let events = try self.events(in: logs)
        XCTAssertEqual(tags(events), [
            "relu1/activations", "stats/relu1/mean", "stats/relu1/std", "stats/relu1/zeros_fraction", "stats/relu1/dead_fraction",
            "fc/activations", "stats/fc/mean", "stats/fc/std", "stats/fc/zeros_fraction", "stats/fc/dead_fraction",
        ])
        let layers = try XCTUnwrap(document["layers"]?.array)
        for (layer, event) in zip(layers, events.dropFirst()) {
            XCTAssertEqual(event.step, 2)
            guard case .histogram(_, let min, let max, let num, _, _, let limits, let counts) = event.values[0],
                  case .scalar(_, let mean) = event.values[1] else { return XCTFail("\(event)") }
            XCTAssertEqual(num, layer["count"]?.double)
            XCTAssertEqual(min, layer["min"]?.double)
            XCTAssertEqual(max, layer["max"]?.double)
            XCTAssertEqual(mean, Float(try XCTUnwrap(layer["mean"]?.double)))
            XCTAssertEqual(counts.reduce(0, +), num)
            XCTAssertEqual(limits.last, Double.greatestFiniteMagnitude)
            let edges = try XCTUnwrap(layer["histogram"]?["edges"]?.array?.compactMap(\.double))
            let trimmed = try XCTUnwrap(layer["histogram"]?["counts"]?.array?.compactMap(\.double))
            for (edge, count) in zip(edges.dropFirst(), trimmed) where count > 0 {
                XCTAssertEqual(zip(limits, counts).first { $0.0 == edge }?.1, count, "bucket up to \(edge)")
            }
        }
    }

    func testFiltersLogsImagesAndWeightHistograms() throws {
        let logs = scratch + "/logs"
        try strata(["filters", Self.tinyCNN, "--out", scratch + "/filters", "--quiet", "--tensorboard", logs])
        XCTAssertEqual(tags(try events(in: logs)), [
            "conv1/filters", "conv1/weights", "conv2/filters", "conv2/weights", "fc/kernel", "fc/weights",
        ])
    }

    func testFailureBeforeTheFirstValueLeavesNothing() throws {
        let logs = scratch + "/new/logs"
        XCTAssertNotNil(strataError(["maps", Self.tinyCNN, "--input", Self.tinyInput, "--layer", "nonesuch", "--out", scratch + "/maps",
                                     "--tensorboard", logs]))
        XCTAssertNotNil(strataError(["stats", Self.tinyCNN, "--input", scratch + "/missing.npy", "--tensorboard", logs]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/new"))
    }

    func testOptionsAreChecked() throws {
        let scratch: String = scratch
        for arguments in [
            ["maps", Self.tinyCNN, "--input", Self.tinyInput, "--all", "--out", scratch + "/m", "--step", "3"],
            ["stats", Self.tinyCNN, "--input", Self.tinyInput, "--run", "x"],
            ["stats", Self.tinyCNN, "--input", Self.tinyInput, "--tensorboard", scratch, "--step", "-1"],
            ["tensorboard", Self.tinyCNN, "--input", Self.tinyInput, "--logdir", scratch],
            ["tensorboard", Self.tinyCNN, "--layer", "conv1", "--logdir", scratch],
            ["tensorboard", Self.tinyCNN, Self.tinyCNN, "--input", Self.tinyInput, "--layer", "conv1", "--logdir", scratch, "--steps", "1"],
            ["tensorboard", Self.tinyCNN, "--input", Self.tinyInput, "--layer", "conv1", "--logdir", scratch, "--steps", "x"],
        ] {
            XCTAssertThrowsError(try StrataCommand.parseAsRoot(arguments), "\(arguments)")
        }
        XCTAssertEqual(strataError(["stats", Self.tinyCNN, "--input", Self.tinyInput, "--tensorboard", scratch, "--run", "../up"]),
                       "\(Self.tinyCNN): a run name is a relative path whose parts are not empty, '.' or '..', found '../up'")
    }

    func testCheckpointStepsFromNames() throws {
        func steps(_ names: [String], _ given: [Int64]? = nil) throws -> [String] {
            try CheckpointSteps.order(names, steps: given).map { "\(($0.path as NSString).lastPathComponent)@\($0.step)" }
        }
        XCTAssertEqual(try steps(["r/model_epoch_10.h5", "r/model_epoch_02.h5", "r/model_epoch_9.h5"]),
                       ["model_epoch_02.h5@2", "model_epoch_9.h5@9", "model_epoch_10.h5@10"])
        XCTAssertEqual(try steps(["weights.30-0.11.hdf5", "weights.05-0.23.hdf5"]), ["weights.05-0.23.hdf5@5", "weights.30-0.11.hdf5@30"])
        XCTAssertEqual(try steps(["run3/ckpt-5.onnx", "run3/ckpt-5-b.onnx"], [8, 1]), ["ckpt-5-b.onnx@1", "ckpt-5.onnx@8"])
        XCTAssertEqual(try steps(["final-7.keras"]), ["final-7.keras@7"])
        for bad in [["a/model.h5", "b/model.h5"], ["model_1.h5", "net_2.h5"], ["final.keras"], ["v2-final-7.keras"],
                    ["m_99999999999999999999.h5"], ["a_1_2.h5", "a_01_2.h5"]] {
            XCTAssertThrowsError(try steps(bad), "\(bad)")
        }
        XCTAssertThrowsError(try steps(["a.h5", "b.h5"], [3, 3]))
    }

    /// Two checkpoints of one model (the same file twice, steps 1 and 5): one file, two steps with
    /// the same tags; the feature maps of --max-maps inputs only.
    func testCheckpointsGiveOneStepEach() throws {
        let logs = scratch + "/logs"
        let console = try strata(["tensorboard", Self.demo, Self.demo, "--steps", "5,1", "--images", Self.root + "/Fixtures/demo/heldout",
                                  "--preprocess", "raw", "--batch", "90", "--layer", "conv4", "--layer", "fc", "--max-maps", "1",
                                  "--logdir", logs, "--run", "train"])
        XCTAssertTrue(console.errors.contains("checkpoint 1/2: \(Self.demo) → step 1"), console.errors)
        XCTAssertTrue(console.output.hasPrefix("logged 2 checkpoints as steps 1–5 to \(logs)/train/events.out.tfevents."), console.output)
        let events = try self.events(in: logs + "/train")
        let perStep = Dictionary(grouping: events.dropFirst(), by: \.step).mapValues { tags($0) }
        XCTAssertEqual(perStep.keys.sorted(), [1, 5])
        XCTAssertEqual(perStep[1], perStep[5])
        XCTAssertEqual(perStep[1], [
            "conv4/grid/000-d1", "conv4/mean/000-d1", "conv4/max/000-d1", "fc/bars/000-d1",
            "conv4/activations", "stats/conv4/mean", "stats/conv4/std", "stats/conv4/zeros_fraction", "stats/conv4/dead_fraction",
            "fc/activations", "stats/fc/mean", "stats/fc/std", "stats/fc/zeros_fraction", "stats/fc/dead_fraction",
            "conv4/weights", "fc/weights",
        ])
        let histograms = events.flatMap(\.values).compactMap { value -> Double? in
            if case .histogram(let tag, _, _, let num, _, _, _, _) = value, tag == "fc/activations" { return num }
            return nil
        }
        XCTAssertEqual(histograms, [360 * 64, 360 * 64])
    }
}

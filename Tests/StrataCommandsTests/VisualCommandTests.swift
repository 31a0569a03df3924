import ArgumentParser
import Foundation
import StrataCore
import StrataExport
import XCTest
@testable import StrataCommands

/// `strata maps`, `filters` and `stats` in process: argument forms, files and errors. Their numbers
/// are checked against numpy by Tools/test-visual.py.
final class VisualCommandTests: CommandTestCase {
    static let demo = root + "/Fixtures/demo/digits.keras"
    static let digit = root + "/Fixtures/demo/heldout/017-d3.png"

    func testShardAndChannelArguments() {
        XCTAssertEqual(Shard(argument: "2/5").map { [$0.index, $0.count] }, [2, 5])
        for bad in ["5/5", "-1/3", "1/0", "1", "a/b", "1/2/3", "0/2000000"] {
            XCTAssertNil(Shard(argument: bad), bad)
        }
        XCTAssertEqual(ChannelRange(argument: "3-7").map { [$0.first, $0.last] }, [3, 7])
        XCTAssertEqual(ChannelRange(argument: "4").map { [$0.first, $0.last] }, [4, 4])
        for bad in ["7-3", "-1", "1-", "x", "0-99999999999", "1-2-3"] {
            XCTAssertNil(ChannelRange(argument: bad), bad)
        }
        XCTAssertEqual(ChannelRange(argument: "10-40")!.clipped(to: 16), 10 ..< 16)
        XCTAssertEqual(ChannelRange(argument: "20-40")!.clipped(to: 16), 0 ..< 0)
    }

    func testMapsWritesTheDocumentedFilesForOneImage() throws {
        let out = scratch + "/maps"
        try strata(["maps", Self.demo, "--image", Self.digit, "--layer", "conv4", "--layer", "fc", "--overlay", "--out", out, "--quiet"])
        XCTAssertEqual(folderContents(out), [
            "conv4-grid.png", "conv4-max.npy", "conv4-max.png", "conv4-mean.npy", "conv4-mean.png",
            "conv4-overlay-max.png", "conv4-overlay-mean.png", "fc-bars.png", "index.html", "manifest.json",
        ])
        let rows = try XCTUnwrap(manifest(in: out)["files"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["kind"] as? String }, ["grid", "mean", "mean", "overlay", "max", "max", "overlay", "bars"])
        XCTAssertEqual(rows[0]["shape"] as? [Int], [1, 6, 6, 32])
        XCTAssertEqual(rows[1]["shape"] as? [Int], [6, 6])
        XCTAssertEqual(Set(rows.compactMap { $0["image"] as? String }), [Self.digit])
        let mean = try NPYFile.read(out + "/conv4-mean.npy")
        XCTAssertEqual(mean.shape, [6, 6])
    }

    func testMapsRefusesWhatItCannotDo() throws {
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["maps", Self.demo, "--image", Self.digit, "--out", scratch + "/x"]))
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["maps", Self.tinyCNN, "--input", Self.tinyInput, "--all", "--overlay", "--out", scratch + "/x"]))
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["maps", Self.demo, "--image", Self.digit, "--all", "--cmap", "rainbowish", "--out", scratch + "/x"]))
        XCTAssertEqual(
            strataError(["maps", Self.demo, "--image", Self.digit, "--layer", "conv1", "--channels", "16-20", "--out", scratch + "/x"]),
            "\(Self.demo): node 'conv1': --channels 16-20 selects none of its 16 channels")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/x"), "a failed command left its output")
    }

    func testFiltersWithoutLayersDrawsEveryKernel() throws {
        let out = scratch + "/filters"
        try strata(["filters", Self.tinyCNN, "--out", out, "--quiet"])
        XCTAssertEqual(folderContents(out), [
            "conv1-filters.npy", "conv1-filters.png", "conv1-weights-histogram.png",
            "conv2-filters.npy", "conv2-filters.png", "conv2-weights-histogram.png",
            "fc-kernel.npy", "fc-kernel.png", "fc-weights-histogram.png", "index.html", "manifest.json",
        ])
        XCTAssertEqual(try NPYFile.read(out + "/conv1-filters.npy").shape, [8, 3, 3, 3], "RGB tiles for the first layer")
        XCTAssertEqual(
            strataError(["filters", Self.tinyCNN, "--layer", "relu1", "--out", scratch + "/y"]),
            "\(Self.tinyCNN): node 'relu1': has no convolution or dense kernel (its ops: Relu)")
        XCTAssertEqual(
            strataError(["filters", Self.tinyCNN, "--layer", "conv2", "--input-channel", "8", "--out", scratch + "/y"]),
            "\(Self.tinyCNN): node 'conv2' (Conv): input channel 8 is out of range: each output channel reads 8")
    }

    func testStatsShardsMergeAndMismatchedDocumentsAreRefused() throws {
        var shards: [String] = []
        for i in 0 ..< 2 {
            let console = try strata(["stats", Self.demo, "--images", Self.root + "/Fixtures/demo/heldout", "--preprocess", "raw",
                                      "--batch", "90", "--shard", "\(i)/2", "--layer", "fc", "--json", "--quiet"])
            let path = scratch + "/s\(i).json"
            try console.output.write(toFile: path, atomically: true, encoding: .utf8)
            shards.append(path)
        }
        let merged = scratch + "/all.json"
        try strata(["stats", "merge"] + shards + ["-o", merged, "--quiet"])
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: merged))) as? [String: Any])
        XCTAssertEqual(document["inputs"] as? Int, 360)

        let other = try strata(["stats", Self.tinyCNN, "--input", Self.tinyInput, "--layer", "fc", "--json", "--quiet"])
        let otherPath = scratch + "/other.json"
        try other.output.write(toFile: otherPath, atomically: true, encoding: .utf8)
        let error = strataError(["stats", "merge", shards[0], otherPath, "-o", scratch + "/bad.json"])
        XCTAssertEqual(error, "\(otherPath): has layout NCHW but \(shards[0]) has NHWC")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/bad.json"))
    }

    /// With its input covered too, a Relu's statistics come from the pass over that input
    /// (`ActivationStatistics.add(_:deriving:through:)`); they must be what covering the Relu alone gives.
    func testStatsOfAReluBesideItsInputEqualThoseOfTheReluAlone() throws {
        func reluRow(_ layers: [String]) throws -> NSDictionary {
            let console = try strata(["stats", Self.tinyCNN, "--input", Self.tinyInput, "--json", "--quiet"] + layers.flatMap { ["--layer", $0] })
            let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(console.output.utf8)) as? [String: Any])
            let rows = try XCTUnwrap(document["layers"] as? [[String: Any]])
            return NSDictionary(dictionary: try XCTUnwrap(rows.first { $0["layer"] as? String == "relu1" }))
        }
        let alone = try reluRow(["relu1"])
        XCTAssertEqual(try reluRow(["bn1", "relu1"]), alone)
        XCTAssertEqual(try reluRow(["relu1", "bn1"]), alone)
        XCTAssertEqual(try reluRow([]), alone)
    }
}

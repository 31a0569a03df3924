import Foundation
import StrataAnalysis
import StrataCore
import StrataExport
import XCTest
@testable import StrataCommands

/// `strata cam` and `strata saliency` in process: the files, the manifest, the layer search and the
/// errors. The numbers themselves are checked against pytorch-grad-cam, tf-keras-vis and captum by
/// `Tools/test-cam.py` and the StrataAnalysis tests.
final class CamCommandTests: CommandTestCase {
    static let kerasCNN = root + "/Fixtures/cam/keras/cam_cnn.k2.h5"
    static let kerasInput = root + "/Fixtures/cam/keras/cam_cnn-c4-input.npy"

    func testAutoLayerFilesAndManifest() throws {
        let out = scratch + "/cam"
        let console = try strata(["cam", Self.kerasCNN, "--input", Self.kerasInput, "--method", "gradcam++", "--metric", "drop", "--out", out])
        XCTAssertTrue(console.errors.contains("strata: cam: --layer auto chose 'c4' (Conv2D), the last convolution layer, as tf-keras-vis picks it"), console.errors)
        let json = try manifest(in: out)
        XCTAssertEqual(json["layer"] as? String, "c4")
        XCTAssertEqual(json["method"] as? String, "gradcam++")
        XCTAssertEqual(json["convention"] as? String, "tf-keras-vis")
        XCTAssertEqual((json["top5"] as? [[String: Any]])?.count, 5)
        XCTAssertNotNil((json["metric"] as? [String: Any])?["drop"] as? Double)
        let cam = try NPYFile.read(out + "/cam.npy"), heatmap = try NPYFile.read(out + "/heatmap.npy")
        XCTAssertEqual(cam.shape, [10, 10])
        XCTAssertEqual(heatmap.shape, [24, 24])
        XCTAssertEqual(try XCTUnwrap(heatmap.floats().max()), 1, accuracy: 1e-6)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/overlay.png"))
    }

    func testSaliencyFiles() throws {
        let out = scratch + "/sal"
        _ = try strata(["saliency", Self.kerasCNN, "--input", Self.kerasInput, "--method", "integrated-gradients", "--steps", "4", "--out", out, "--quiet"])
        let json = try manifest(in: out)
        XCTAssertEqual(json["method"] as? String, "integrated-gradients")
        XCTAssertEqual(try NPYFile.read(out + "/saliency.npy").shape, [1, 24, 24, 3])
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/saliency.png"))
    }

    func testErrors() {
        XCTAssertEqual(strataError(["cam", Self.kerasCNN, "--input", Self.kerasInput, "--layer", "gap", "--out", scratch + "/x"]),
                       Self.kerasCNN + ": a class activation map needs a spatial activation [N, H, W, C] or [N, C, H, W], got shape [1, 16]")
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["cam", Self.kerasCNN, "--input", Self.kerasInput, "--keep-percent", "30", "--out", "x"]))
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["cam", Self.kerasCNN, "--input", Self.kerasInput, "--tokens-grid", "4y4", "--out", "x"]))
        XCTAssertThrowsError(try StrataCommand.parseAsRoot(["saliency", Self.kerasCNN, "--input", Self.kerasInput, "--steps", "1", "--out", "x"]))
    }

    func testTokenGrid() throws {
        // 1 class token + a 2×2 grid of 3 channels: token t, channel c holds 10·t + c.
        let values = (0 ..< 5).flatMap { t in (0 ..< 3).map { Float(10 * t + $0) } }
        let tokens = Tensor(values, shape: [1, 5, 3])
        let planes = try ChannelPlanes(tokens: tokens, image: 0)
        XCTAssertEqual([planes.channels, planes.height, planes.width], [3, 2, 2])
        XCTAssertEqual(Array(planes.plane(1)), [11, 21, 31, 41])
        let explicit = try ChannelPlanes(tokens: tokens, image: 0, grid: (1, 4))
        XCTAssertEqual(Array(explicit.plane(0)), [10, 20, 30, 40])
        XCTAssertThrowsError(try ChannelPlanes(tokens: Tensor([Float](repeating: 0, count: 21), shape: [1, 7, 3]), image: 0))
        XCTAssertNil(CamCommand.TokenGrid(argument: "0x4"))
        XCTAssertEqual(CamCommand.TokenGrid(argument: "14x14")?.width, 14)
    }
}

import ArgumentParser
import Foundation
import StrataCore
import StrataExport
import XCTest
@testable import StrataCommands

/// Images through the commands: `preprocess`, `run --image/--images`, `compare` and `bench`.
final class ImageCommandTests: CommandTestCase {
    static let images = root + "/Fixtures/images"

    /// A folder of `good` fixture images and `bad` broken ones, every second file in `sub/`.
    func dataset(_ name: String, good: [String], bad: [String]) throws -> String {
        let folder = scratch + "/" + name
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        for (i, name) in (good + bad).enumerated() {
            let target = folder + (i % 2 == 0 ? "/" : "/sub/") + name
            try FileManager.default.copyItem(atPath: Self.images + "/" + name, toPath: target)
        }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        return folder
    }

    func testPreprocessWritesTheFedTensorAndSaysWhatWasApplied() throws {
        let out = scratch + "/x.npy"
        let console = try strata(["preprocess", Self.images + "/grey-8.png", "--model", Self.tinyCNN, "--preprocess", "torchvision", "-o", out])
        let tensor = try NPYFile.read(out)
        XCTAssertEqual(tensor.shape, [1, 3, 32, 32])
        XCTAssertEqual(tensor.dtype, .float32)
        XCTAssertEqual(console.output, "wrote \(out): float32[1, 3, 32, 32]\n")
        XCTAssertEqual(console.errors, """
            strata: input 'input': torchvision: shorter side to 37 (bilinear), centre crop 32x32, RGB, x/255, minus mean [0.485, 0.456, 0.406], divided by std [0.229, 0.224, 0.225], NCHW float32
            strata: note: \(Self.images)/grey-8.png: converted grey to RGB

            """)
        // Grey replicated to RGB: the three channels differ only by their mean and std.
        let v = tensor.floats()
        XCTAssertEqual((v[0] * 0.229 + 0.485) * 255, (v[1024] * 0.224 + 0.456) * 255, accuracy: 1e-3)
    }

    func testRunFeedsImagesAndTheManifestNamesThem() throws {
        let out = scratch + "/acts"
        try strata(["run", Self.tinyCNN, "--image", Self.images + "/astronaut.jpg", "--image", Self.images + "/chelsea.png",
                    "--preprocess", "unit", "--out", out, "--quiet"])
        let inputs = try XCTUnwrap(try manifest(in: out)["inputs"] as? [[String: Any]])
        XCTAssertEqual(inputs.count, 1)
        XCTAssertEqual(inputs[0]["images"] as? [String], [Self.images + "/astronaut.jpg", Self.images + "/chelsea.png"])
        XCTAssertEqual(inputs[0]["preprocessing"] as? String, "unit: resize to 32x32 (nearest), RGB, x/255, NCHW float32")
        XCTAssertEqual(inputs[0]["shape"] as? [Int], [2, 3, 32, 32])
        XCTAssertNil(inputs[0]["file"])
        XCTAssertEqual(try NPYFile.read(out + "/softmax.npy").shape, [2, 10])
    }

    func testAnUnreadableImageNamedExplicitlyIsAnError() {
        XCTAssertEqual(strataError(["run", Self.tinyCNN, "--image", Self.images + "/not-an-image.png", "--out", scratch + "/x"]),
                       "\(Self.images)/not-an-image.png: not a PNG or JPEG file")
        XCTAssertEqual(strataError(["run", Self.tinyCNN, "--image", Self.images + "/truncated.jpg", "--out", scratch + "/x"]),
                       "\(Self.images)/truncated.jpg: corrupt JPEG data: Premature end of JPEG file")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/x"))
    }

    func testDatasetRunsInBatchesAndSkipsBadImages() throws {
        let folder = try dataset("mixed", good: ["astronaut.jpg", "camera.png", "chelsea.png", "rgb-8.png", "cmyk.jpg"],
                                 bad: ["truncated.png", "empty.png"])
        let out = scratch + "/acts"
        let console = try strata(["run", Self.tinyCNN, "--images", folder, "--batch", "2", "--out", out])
        XCTAssertEqual(folderContents(out), ["batch-00000", "batch-00001", "batch-00002"])
        var fed: [String] = []
        for batch in folderContents(out) {
            let inputs = try XCTUnwrap(try manifest(in: out + "/" + batch)["inputs"] as? [[String: Any]])
            fed += try XCTUnwrap(inputs[0]["images"] as? [String])
        }
        // Sorted by path, the folder's own files before those of sub/; notes.txt is not an image.
        XCTAssertEqual(fed.map { ($0 as NSString).lastPathComponent }, ["astronaut.jpg", "chelsea.png", "cmyk.jpg", "camera.png", "rgb-8.png"])
        XCTAssertTrue(console.errors.contains("strata: warning: \(folder)/empty.png: empty file, not a PNG or JPEG image; skipped\n"), console.errors)
        XCTAssertTrue(console.errors.contains("strata: warning: \(folder)/sub/truncated.png: corrupt PNG data: unexpected end of file (truncated); skipped\n"), console.errors)
        XCTAssertTrue(console.errors.contains("strata: skipped 2 of 7 images: \(folder)/empty.png, \(folder)/sub/truncated.png\n"), console.errors)
        XCTAssertTrue(console.output.hasPrefix("wrote 3 activations for 5 images in 3 batches to \(out)"), console.output)

        XCTAssertEqual(strataError(["run", Self.tinyCNN, "--images", folder, "--strict", "--out", scratch + "/strict"]),
                       "\(folder)/empty.png: empty file, not a PNG or JPEG image")
    }

    func testGlobAndEmptyDatasets() throws {
        let folder = try dataset("glob", good: ["rgb-8.png", "grey-8.png", "rgb-420.jpg"], bad: [])
        let out = scratch + "/glob"
        try strata(["run", Self.tinyCNN, "--images", folder + "/*.png", "--batch", "4", "--out", out, "--quiet"])
        let inputs = try XCTUnwrap(try manifest(in: out + "/batch-00000")["inputs"] as? [[String: Any]])
        // grey-8.png went into sub/, which the pattern does not reach.
        XCTAssertEqual(inputs[0]["images"] as? [String], [folder + "/rgb-8.png"])
        XCTAssertEqual(strataError(["run", Self.tinyCNN, "--images", folder + "/*.gif", "--out", scratch + "/x"]),
                       "\(folder)/*.gif: no files match --images")
        let bad = try dataset("bad", good: [], bad: ["empty.png", "not-an-image.png"])
        XCTAssertEqual(strataError(["run", Self.tinyCNN, "--images", bad, "--out", scratch + "/y"]),
                       "\(Self.tinyCNN): no readable images: all 2 files were skipped")
    }

    func testAbsurdOptionValuesAreValidationErrors() {
        for (arguments, message) in [
            (["--size", "100000000x5"], "--size 100000000x5: height and width must be 1...65535 pixels"),
            (["--batch", "0"], "--batch must be 1...4096"),
            (["--batch=-3"], "--batch must be 1...4096"),
            (["--crop", "middle"], "--crop 'middle' must be center:HxW"),
            (["--resize", "shorter:0"], "--resize shorter:0: the side must be 1...65535 pixels"),
            (["--mean", "1,2,x"], "--mean '1,2,x' must be 1 to 4 comma-separated numbers, e.g. 0.485,0.456,0.406"),
            (["--scale", "1/0"], "--scale 1/0 must be finite and non-zero"),
            (["--preprocess", "imagenet"], "--preprocess 'imagenet' is not a preset; use one of keras-caffe, keras-tf, keras-torch, raw, unit, torchvision"),
            (["--interpolation", "cubic"], "--interpolation 'cubic' is not a filter; use nearest, bilinear, bicubic, area, box, lanczos or hamming"),
        ] {
            do {
                _ = try StrataCommand.parseAsRoot(["run", Self.tinyCNN, "--image", "a.png", "--out", "x"] + arguments)
                XCTFail("\(arguments) parsed")
            } catch {
                XCTAssertEqual(StrataCommand.message(for: error), message, "\(arguments)")
            }
        }
    }

    func testPreprocessingOptionsNeedImages() {
        do {
            _ = try StrataCommand.parseAsRoot(["run", Self.tinyCNN, "--input", Self.tinyInput, "--preprocess", "torchvision", "--out", "x"])
            XCTFail("parsed")
        } catch {
            XCTAssertEqual(StrataCommand.message(for: error), "image preprocessing options (--preprocess, --resize, …) need --image or --images")
        }
    }

    func testSizeThatContradictsTheModel() {
        XCTAssertEqual(strataError(["run", Self.tinyCNN, "--image", Self.images + "/rgb-8.png", "--size", "64x64", "--out", scratch + "/x"]),
                       "\(Self.tinyCNN): input 'input': --size 64x64 does not match the input's 32x32 (float32[N, 3, 32, 32])")
    }

    func testCompareFeedsTheSameImageToBothModels() throws {
        let console = try strata(["compare", Self.tinyCNN, Self.tinyCNN, "--image", Self.images + "/coffee.jpg", "--preprocess", "torchvision"])
        XCTAssertTrue(console.output.contains("matched layers within tolerance"), console.output)
        XCTAssertTrue(console.errors.hasPrefix("strata: \(Self.tinyCNN), input 'input': torchvision:"), console.errors)
        XCTAssertEqual(strataError(["compare", Self.tinyCNN, Self.tinyCNN, "--images", Self.images]),
                       "\(Self.tinyCNN): --images feeds a dataset batch by batch, which only strata run does; give --image files")
    }

    func testBenchRunsOnAnImage() throws {
        let console = try strata(["bench", Self.tinyCNN, "--image", Self.images + "/rocket.jpg", "--runs", "1", "--warmup", "0", "--json"])
        XCTAssertTrue(console.output.hasPrefix("{\"load_ms\""), console.output)
        XCTAssertEqual(console.errors, "")
    }
}

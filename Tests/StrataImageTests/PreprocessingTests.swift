import Foundation
import StrataCore
import XCTest
@testable import StrataImage

/// Presets and options against Keras' `load_img` + `preprocess_input` and torchvision's transforms
/// (reference/presets.json), to the float32 bit.
final class PreprocessingTests: XCTestCase {
    var references: [String: Any] = [:]

    override func setUpWithError() throws {
        references = try XCTUnwrap(ImageFixtures.reference("presets.json") as? [String: Any])
    }

    func reference(_ group: String, _ key: String) throws -> (shape: [Int], values: [Float]) {
        let groupEntries = try XCTUnwrap(references[group] as? [String: Any])
        let entry = try XCTUnwrap(groupEntries[key] as? [String: Any], "\(group) \(key)")
        XCTAssertEqual(entry["dtype"] as? String, "float32")
        let values = try XCTUnwrap(entry["values"] as? [Double]).map { Float($0) }
        return (try XCTUnwrap(entry["shape"] as? [Int]), values)
    }

    static func input(_ shape: [Dim], _ dtype: DType = .float32) -> ValueInfo {
        ValueInfo(name: "image", type: ValueType(dtype, shape))
    }

    /// The batch tensor `preprocessing` makes of the preset source for an input of `shape`.
    func tensor(_ preprocessing: Preprocessing, shape: [Dim], layout: ActivationLayout) throws -> Tensor {
        let spec = try ImageInputSpec(input: Self.input(shape), modelLayout: layout)
        let plan = try preprocessing.plan(for: spec)
        let prepared = try plan.prepare(try ImageFixtures.decode("preset-source.png"), file: "preset-source.png")
        return try plan.tensor(for: [prepared.image])
    }

    func assertBitEqual(_ tensor: Tensor, _ want: (shape: [Int], values: [Float]), _ label: String,
                        file: StaticString = #filePath, line: UInt = #line) {
        // Single-image references have no batch axis.
        let shape = want.shape.count == tensor.rank - 1 ? Array(tensor.shape.dropFirst()) : tensor.shape
        XCTAssertEqual(shape, want.shape, label, file: file, line: line)
        let got = tensor.floats()
        XCTAssertEqual(got.count, want.values.count, label, file: file, line: line)
        var mismatches = 0
        for (i, (a, b)) in zip(got, want.values).enumerated() where a.bitPattern != b.bitPattern {
            if mismatches == 0 { XCTFail("\(label): element \(i) is \(a), reference \(b)", file: file, line: line) }
            mismatches += 1
        }
        XCTAssertEqual(mismatches, 0, label, file: file, line: line)
    }

    func testKerasPresetsMatchPreprocessInputBitForBit() throws {
        let presets: [(Preprocessing.Preset, String)] = [(.kerasCaffe, "caffe"), (.kerasTF, "tf"), (.kerasTorch, "torch")]
        for (preset, mode) in presets {
            let got = try tensor(Preprocessing(preset: preset), shape: [.symbol("N"), 7, 9, 3], layout: .nhwc)
            XCTAssertEqual(got.shape, [1, 7, 9, 3])
            assertBitEqual(got, try reference("keras", mode), "keras \(mode)")
        }
    }

    func testKerasLoadImgResizesAndKeepsAspect() throws {
        assertBitEqual(try tensor(Preprocessing(preset: .raw), shape: [1, 5, 7, 3], layout: .nhwc),
                       try reference("keras", "load_img_5x7"), "load_img 5x7")
        assertBitEqual(try tensor(Preprocessing(preset: .raw), shape: [1, 11, 13, 3], layout: .nhwc),
                       try reference("keras", "load_img_11x13"), "load_img 11x13")
        var keep = Preprocessing(preset: .raw)
        keep.resize = .keepAspect
        assertBitEqual(try tensor(keep, shape: [1, 4, 4, 3], layout: .nhwc),
                       try reference("keras", "load_img_keep_aspect_4x4"), "load_img keep_aspect_ratio 4x4")
    }

    func testTorchvisionPresetMatchesTransformsBitForBit() throws {
        // Resize(round(7·256/224) = 8), CenterCrop(7), ToTensor, Normalize.
        let got = try tensor(Preprocessing(preset: .torchvision), shape: [1, 3, 7, 7], layout: .nchw)
        assertBitEqual(got, try reference("torchvision", "resize8_crop7"), "torchvision Resize(8) CenterCrop(7)")

        var noResize = Preprocessing(preset: .torchvision)
        noResize.resize = Preprocessing.Resize.none
        assertBitEqual(try tensor(noResize, shape: [1, 3, 7, 9], layout: .nchw),
                       try reference("torchvision", "to_tensor_normalize"), "ToTensor + Normalize")

        var padded = Preprocessing()
        padded.resize = Preprocessing.Resize.none
        padded.crop = Preprocessing.Size(height: 9, width: 15)
        padded.scale = .divide(255)
        assertBitEqual(try tensor(padded, shape: [1, 3, 9, 15], layout: .nchw),
                       try reference("torchvision", "crop_pad_9x15"), "CenterCrop((9, 15)) padding")
    }

    func testDividingDiffersFromMultiplyingByTheReciprocal() {
        // Why Scale has a .divide case: x/255 and x·(1/255) differ in float32 for some x.
        let differing = (0 ... 255).filter { Float($0) / 255 != Float($0) * (1 / Float(255)) }
        XCTAssertFalse(differing.isEmpty)
    }

    func testSummariesSayWhatIsApplied() throws {
        let nchw = try ImageInputSpec(input: Self.input([.symbol("N"), 3, 224, 224]), modelLayout: .nchw)
        XCTAssertEqual(
            try Preprocessing(preset: .torchvision).plan(for: nchw).summary,
            "torchvision: shorter side to 256 (bilinear), centre crop 224x224, RGB, x/255, minus mean [0.485, 0.456, 0.406], "
                + "divided by std [0.229, 0.224, 0.225], NCHW float32")
        let nhwc = try ImageInputSpec(input: Self.input([1, 224, 224, 3]), modelLayout: .nhwc)
        XCTAssertEqual(
            try Preprocessing(preset: .kerasCaffe).plan(for: nhwc).summary,
            "keras-caffe: resize to 224x224 (nearest), BGR, minus mean [103.939, 116.779, 123.68], NHWC float32")
        XCTAssertEqual(try Preprocessing().plan(for: nhwc).summary, "no preset: resize to 224x224 (nearest), RGB, values 0-255, NHWC float32")
        XCTAssertEqual(try Preprocessing(preset: .kerasTF).plan(for: nhwc).summary,
                       "keras-tf: resize to 224x224 (nearest), RGB, x/127.5, minus mean 1, NHWC float32")
    }

    func testNoticesForConvertedImages() throws {
        let rgbInput = try ImageInputSpec(input: Self.input([1, 3, 23, 37]), modelLayout: .nchw)
        let plan = try Preprocessing().plan(for: rgbInput)
        XCTAssertEqual(try plan.prepare(try ImageFixtures.decode("grey-8.png"), file: "g").notices, ["converted grey to RGB"])
        XCTAssertEqual(try plan.prepare(try ImageFixtures.decode("rgba-8.png"), file: "r").notices, ["dropped the alpha channel"])
        XCTAssertEqual(try plan.prepare(try ImageFixtures.decode("grey-16.png"), file: "g").notices, [
            "reduced 16-bit grey to 8 bits by its high byte (Pillow's convert clips it at 255 instead)", "converted grey to RGB",
        ])
        XCTAssertEqual(try plan.prepare(try ImageFixtures.decode("palette-4.png"), file: "p").notices, [])
        let greyInput = try ImageInputSpec(input: Self.input([1, 1, 23, 37]), modelLayout: .nchw)
        let prepared = try Preprocessing().plan(for: greyInput).prepare(try ImageFixtures.decode("rgb-8.png"), file: "r")
        XCTAssertEqual(prepared.notices, ["converted RGB to grey"])
        XCTAssertEqual(prepared.image.channels, 1)
    }

    func testGreyOptionForAnRGBInputReplicatesGrey() throws {
        let spec = try ImageInputSpec(input: Self.input([1, 23, 37, 3]), modelLayout: .nhwc)
        var options = Preprocessing()
        options.grey = true
        let image = try options.plan(for: spec).prepare(try ImageFixtures.decode("rgb-8.png"), file: "r").image
        XCTAssertEqual(image, try ImageFixtures.decode("rgb-8.png").image.grey().rgb())
    }
}

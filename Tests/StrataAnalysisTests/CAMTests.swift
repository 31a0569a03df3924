import Foundation
import StrataAnalysis
import StrataCore
import StrataExport
import StrataTestSupport
import XCTest

/// The CAM maths against pytorch-grad-cam 1.5.7 on the activations and gradients its own hooks
/// recorded (`Tools/make-cam-fixtures.py`, `Fixtures/cam/`).
final class CAMTests: XCTestCase {
    static let folder = AnalysisFixtures.root + "/Fixtures/cam"

    func array(_ name: String) throws -> Tensor { try NPYFile.read(Self.folder + "/" + name + ".npy") }

    func meta() throws -> JSONValue {
        try JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/meta.json")), file: "meta.json")
    }

    /// The NCHW fixture as NHWC, to check that the channel axis follows the layout.
    func nhwc(_ t: Tensor) -> Tensor {
        let (n, c, h, w) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
        let v = t.floats()
        var out = [Float](repeating: 0, count: v.count)
        for b in 0 ..< n { for k in 0 ..< c { for y in 0 ..< h { for x in 0 ..< w {
            out[((b * h + y) * w + x) * c + k] = v[((b * c + k) * h + y) * w + x]
        } } } }
        return Tensor(out, shape: [n, h, w, c])
    }

    /// `|a − b| ≤ rtol·|b| + atol·max|b|` element by element: the tolerance for CAMs
    /// (`TolerancePolicy.reference`'s form).
    func assertCAM(_ got: [Float], _ want: [Float], rtol: Double = TolerancePolicy.reference.rtol, atol: Double = TolerancePolicy.reference.atolScale,
                   _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        assertClose(got.map(Double.init), want.map(Double.init), ToleranceRule(rtol: rtol, atolScale: atol), "\(what) (pytorch-grad-cam)",
                    file: file, line: line)
    }

    func testGradientMethodsMatchPytorchGradCAM() throws {
        let activations = try array("activations"), gradients = try array("gradients")
        for layout in [ActivationLayout.nchw, .nhwc] {
            let a = try ChannelPlanes(layout == .nchw ? activations : nhwc(activations), layout: layout, image: 0)
            let g = try ChannelPlanes(layout == .nchw ? gradients : nhwc(gradients), layout: layout, image: 0)
            for method in CAMMethod.allCases where method != .scorecam {
                let cam = try GradientCAM.map(method, activations: a, gradients: g)
                let want = try array("cam-\(method.rawValue)")
                XCTAssertEqual([cam.height, cam.width], want.shape)
                // Eigen-CAM's sign is LAPACK's; the same sgesdd call as numpy gives the same sign here.
                assertCAM(cam.values, want.floats(), "\(method.rawValue), \(layout)")
            }
        }
    }

    func testHeatmapsMatchPytorchGradCAM() throws {
        let a = try ChannelPlanes(try array("activations"), layout: .nchw, image: 0)
        let g = try ChannelPlanes(try array("gradients"), layout: .nchw, image: 0)
        for method in CAMMethod.allCases where method != .scorecam {
            let cam = try GradientCAM.map(method, activations: a, gradients: g)
            let heatmap = CAMHeatmap.heatmap(cam, height: 20, width: 20)
            assertCAM(heatmap.values, try array("heatmap-\(method.rawValue)").floats(), rtol: 0, atol: 1e-4, "heatmap of \(method.rawValue)")
        }
    }

    func testResizeMatchesOpenCVOnTheLibrarysOwnMap() throws {
        // heatmap = scale(relu(resize(scale(cam)))) with pytorch-grad-cam's own cam: only the resize and scaling are tested.
        let cam = try array("cam-gradcam")
        let map = ActivationMap(height: 7, width: 7, values: cam.floats())
        assertCAM(CAMHeatmap.heatmap(map, height: 20, width: 20).values, try array("heatmap-gradcam").floats(), rtol: 0, atol: 1e-6, "heatmap")
    }

    func testScoreCAMRunsTheLibrarysMaskedInputs() throws {
        let a = try ChannelPlanes(try array("activations"), layout: .nchw, image: 0)
        let x = try array("input")
        let input = try ModelInputImage(values: x.floats(), shape: x.shape, layout: .nchw)
        let recordedInputs = try array("scorecam-inputs").floats(), recordedScores = try array("scorecam-scores").floats()
        var offset = 0
        let cam = try ScoreCAM.map(activations: a, input: input, batchSize: 4) { batch, count in
            let size = input.values.count
            assertCAM(batch, Array(recordedInputs[offset * size ..< (offset + count) * size]), rtol: 1e-5, atol: 1e-6, "masked inputs from \(offset)")
            defer { offset += count }
            return Array(recordedScores[offset ..< offset + count])
        }
        XCTAssertEqual(offset, 10)
        assertCAM(cam.values, try array("cam-scorecam").floats(), "scorecam")
        assertCAM(CAMHeatmap.heatmap(cam, height: 20, width: 20).values, try array("heatmap-scorecam").floats(), rtol: 0, atol: 1e-3, "scorecam heatmap")
    }

    func testKeepMaskMatchesRemoveLeastRelevantFirst() throws {
        let heatmap = ActivationMap(height: 20, width: 20, values: try array("heatmap-gradcam").floats())
        let mask = ConfidenceDrop.keepMask(heatmap, keepPercent: 30)
        XCTAssertEqual(mask.values, try array("keep-mask-30").floats())
        XCTAssertEqual(ConfidenceDrop.drop(score: 2, scoreAfter: 0.5), 1.5)
        XCTAssertEqual(ConfidenceDrop.drop(score: 2, scoreAfter: 3), 0)
    }

    func testMismatchedShapesAreErrors() throws {
        let a = try ChannelPlanes(channels: 2, height: 2, width: 2, values: [Float](repeating: 1, count: 8))
        let g = try ChannelPlanes(channels: 1, height: 2, width: 2, values: [Float](repeating: 1, count: 4))
        XCTAssertThrowsError(try GradientCAM.map(.gradcam, activations: a, gradients: g))
        XCTAssertThrowsError(try GradientCAM.map(.gradcam, activations: a, gradients: nil))
        XCTAssertThrowsError(try ChannelPlanes(channels: 2, height: 2, width: 2, values: [1, 2, 3]))
        XCTAssertThrowsError(try ChannelPlanes(Tensor([Float](arrayLiteral: 1, 2, 3), shape: [1, 3]), layout: .nchw, image: 0))
    }
}

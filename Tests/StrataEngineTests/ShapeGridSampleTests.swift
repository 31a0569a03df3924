import StrataTestSupport
import XCTest
import StrataCore
@testable import StrataEngine

/// GridSample on grids whose answers follow from the definition (identity grids, constant
/// shifts, far-outside points); the ONNX node tests cover the reference's numbers.
final class ShapeGridSampleTests: XCTestCase {
    typealias H = ShapeHarness

    /// The grid that maps every output pixel onto the same input pixel (align_corners = 1).
    private func identityGrid(n: Int, h: Int, w: Int) -> Tensor {
        var values: [Float] = []
        for _ in 0..<n {
            for y in 0..<h {
                for x in 0..<w {
                    values += [Float(2 * x) / Float(w - 1) - 1, Float(2 * y) / Float(h - 1) - 1]
                }
            }
        }
        return Tensor(values, shape: [n, h, w, 2])
    }

    func testIdentityGridReproducesTheInputInEveryMode() throws {
        var rng = SeededGenerator(seed: 51)
        let x = rng.tensor([2, 3, 4, 5])
        for (mode, opset) in [("bilinear", 16), ("nearest", 16), ("bicubic", 16), ("linear", 20), ("cubic", 22)] {
            let out = try H.run("GridSample", [x, identityGrid(n: 2, h: 4, w: 5)],
                                attributes: ["mode": .string(mode), "align_corners": .int(1)], opset: opset)[0]
            XCTAssertEqual(out.shape, [2, 3, 4, 5])
            for (a, b) in zip(out.floats(), x.floats()) { XCTAssertEqual(a, b, accuracy: 1e-5, mode) }
        }
    }

    func testPointsOutsideFollowThePaddingMode() throws {
        var rng = SeededGenerator(seed: 52)
        let x = rng.tensor([1, 1, 3, 4])
        let xs = x.floats()
        // (x, y) = (5, -7): far right of the top-left.
        let grid = Tensor([5, -7] as [Float], shape: [1, 1, 1, 2])
        let zeros = try H.run("GridSample", [x, grid], attributes: ["mode": .string("nearest")])[0]
        XCTAssertEqual(zeros.floats(), [0])
        let border = try H.run("GridSample", [x, grid], attributes: ["mode": .string("nearest"), "padding_mode": .string("border")])[0]
        XCTAssertEqual(border.floats(), [xs[3]])
        let nan = try H.run("GridSample", [x, Tensor([.nan, 0] as [Float], shape: [1, 1, 1, 2])])[0]
        XCTAssertEqual(nan.floats(), [0])
        XCTAssertThrowsError(try H.run("GridSample", [x, Tensor([0, 0, 0] as [Float], shape: [1, 1, 1, 3])]))
        XCTAssertThrowsError(try H.run("GridSample", [Tensor(dtype: .float32, shape: [1, 1, 0, 4]), grid],
                                       attributes: ["padding_mode": .string("border")]))
        XCTAssertThrowsError(try H.run("GridSample", [x, grid], attributes: ["mode": .string("linear")], opset: 16))
    }
}

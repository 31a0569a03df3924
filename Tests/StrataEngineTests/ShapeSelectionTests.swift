import StrataTestSupport
import XCTest
import StrataCore
@testable import StrataEngine

/// NonZero, Compress, OneHot, EyeLike, CenterCropPad and ReverseSequence against naive loops.
final class ShapeSelectionTests: XCTestCase {
    typealias H = ShapeHarness

    func testNonZeroCountsByValue() throws {
        var rng = SeededGenerator(seed: 41)
        let shape = [3, 4, 5]
        let values: [Float] = (0..<60).map { i in
            switch rng.int(0...4) {
            case 0: return 0
            case 1: return -0.0
            case 2: return .nan
            default: return rng.float()
            }
        }
        let out = try H.run("NonZero", [Tensor(values, shape: shape)])[0]
        let hits = values.indices.filter { values[$0] != 0 || values[$0].isNaN }
        XCTAssertEqual(out.shape, [3, hits.count])
        let got = out.ints()
        for (j, flat) in hits.enumerated() {
            XCTAssertEqual((0..<3).map { got[$0 * hits.count + j] }, H.coordinates(flat, shape))
        }
    }

    func testCompressWithAndWithoutAxis() throws {
        var rng = SeededGenerator(seed: 42)
        let x = rng.tensor([3, 4])
        let xs = x.floats()
        let cond = Tensor([true, false, true], shape: [3])
        let rows = try H.run("Compress", [x, cond], attributes: ["axis": .int(0)])[0]
        XCTAssertEqual(rows.shape, [2, 4])
        XCTAssertEqual(rows.floats(), Array(xs[0..<4]) + Array(xs[8..<12]))
        let cols = try H.run("Compress", [x, Tensor([false, true], shape: [2])], attributes: ["axis": .int(-1)])[0]
        XCTAssertEqual(cols.floats(), [xs[1], xs[5], xs[9]])
        let flat = try H.run("Compress", [x, Tensor([false, true, true, false, true], shape: [5])])[0]
        XCTAssertEqual(flat.floats(), [xs[1], xs[2], xs[4]])
        XCTAssertThrowsError(try H.run("Compress", [x, Tensor([true, true, true, true], shape: [4])], attributes: ["axis": .int(0)]))
    }

    func testOneHotMatchesNaive() throws {
        var rng = SeededGenerator(seed: 43)
        let indexShape = [2, 3]
        let depth = 4
        let indices = (0..<6).map { _ in rng.int(-6...5) }
        let values = Tensor([Int64(-1), 7], shape: [2])
        for axis in [-3, -2, -1, 0, 1, 2] {
            let out = try H.run("OneHot", [Tensor(indices.map { Int64($0) }, shape: indexShape), .scalar(Int64(depth)), values],
                                attributes: ["axis": .int(axis)])[0]
            let a = axis < 0 ? axis + 3 : axis
            var outShape = indexShape
            outShape.insert(depth, at: a)
            XCTAssertEqual(out.shape, outShape)
            let got = out.ints()
            for i in 0..<got.count {
                var c = H.coordinates(i, outShape)
                let k = c.remove(at: a)
                var v = indices[H.flat(c, indexShape)]
                if v < 0 { v += depth }
                XCTAssertEqual(got[i], v == k ? 7 : -1)
            }
        }
    }

    func testEyeLikeDiagonalsAndDtype() throws {
        let x = try Tensor(dtype: .float32, shape: [3, 4], zeroed: true)
        for k in [-4, -1, 0, 2, 9] {
            let out = try H.run("EyeLike", [x], attributes: ["k": .int(k), "dtype": .int(7)])[0]
            XCTAssertEqual(out.dtype, .int64)
            let got = out.ints()
            for i in 0..<12 { XCTAssertEqual(got[i], i % 4 - i / 4 == k ? 1 : 0) }
        }
        XCTAssertEqual(try H.run("EyeLike", [x])[0].dtype, .float32)
    }

    func testCenterCropPadMatchesNaive() throws {
        var rng = SeededGenerator(seed: 44)
        let x = rng.tensor([5, 4, 3])
        let xs = x.floats()
        let out = try H.run("CenterCropPad", [x, H.ints([2, 7])], attributes: ["axes": .ints([0, 1])])[0]
        XCTAssertEqual(out.shape, [2, 7, 3])
        let got = out.floats()
        for i in 0..<got.count {
            let c = H.coordinates(i, [2, 7, 3])
            let r = c[0] + 1, col = c[1] - 1
            XCTAssertEqual(got[i], col >= 0 && col < 4 ? xs[H.flat([r, col, c[2]], [5, 4, 3])] : 0)
        }
    }

    func testReverseSequenceBothLayouts() throws {
        var rng = SeededGenerator(seed: 45)
        let x = rng.tensor([4, 3, 2])
        let xs = x.floats()
        let lengths = [4, 1, 2]
        let out = try H.run("ReverseSequence", [x, H.ints(lengths)], opset: 10)[0].floats()
        for i in 0..<out.count {
            let c = H.coordinates(i, [4, 3, 2])
            let (t, b) = (c[0], c[1])
            let src = t < lengths[b] ? lengths[b] - 1 - t : t
            XCTAssertEqual(out[i], xs[H.flat([src, b, c[2]], [4, 3, 2])])
        }
        let batchFirst = try H.run("ReverseSequence", [x, H.ints([3, 0, 2, 1])],
                                   attributes: ["batch_axis": .int(0), "time_axis": .int(1)])[0].floats()
        let lens = [3, 0, 2, 1]
        for i in 0..<batchFirst.count {
            let c = H.coordinates(i, [4, 3, 2])
            let (b, t) = (c[0], c[1])
            let src = t < lens[b] ? lens[b] - 1 - t : t
            XCTAssertEqual(batchFirst[i], xs[H.flat([b, src, c[2]], [4, 3, 2])])
        }
        XCTAssertThrowsError(try H.run("ReverseSequence", [x, H.ints([5, 0, 0])]))
    }
}

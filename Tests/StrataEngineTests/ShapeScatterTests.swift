import StrataTestSupport
import XCTest
import StrataCore
@testable import StrataEngine

/// GatherND, ScatterND and ScatterElements against naive loops on seeded random data.
final class ShapeScatterTests: XCTestCase {
    typealias H = ShapeHarness

    func testGatherNDMatchesNaiveWithBatchDims() throws {
        var rng = SeededGenerator(seed: 31)
        for trial in 0..<40 {
            let b = trial % 3 == 0 ? 1 : 0
            let rank = rng.int((b + 1)...4)
            let data = rng.shape(rank: rank)
            let k = rng.int(1...(rank - b))
            let middle = rng.shape(rank: rng.int(0...2), max: 3)
            let indexShape = Array(data[..<b]) + middle + [k]
            let tuples = indexShape.dropLast().reduce(1, *)
            var values: [Int] = []
            for _ in 0..<tuples { for d in 0..<k { values.append(rng.int(-data[b + d]...(data[b + d] - 1))) } }
            let x = rng.tensor(data)
            let out = try H.run("GatherND", [x, Tensor(values.map { Int64($0) }, shape: indexShape)],
                                attributes: ["batch_dims": .int(b)])[0]
            let outShape = Array(indexShape.dropLast()) + Array(data[(b + k)...])
            XCTAssertEqual(out.shape, outShape)
            let xs = x.floats(), ys = out.floats()
            for i in 0..<ys.count {
                let c = H.coordinates(i, outShape)
                let tupleCoords = Array(c[..<(indexShape.count - 1)])
                let t = H.flat(tupleCoords, Array(indexShape.dropLast()))
                var src = Array(c[..<b])
                for d in 0..<k {
                    let v = values[t * k + d]
                    src.append(v < 0 ? v + data[b + d] : v)
                }
                src += c[(indexShape.count - 1)...]
                XCTAssertEqual(ys[i], xs[H.flat(src, data)])
            }
        }
    }

    func testScatterNDMatchesNaiveForEveryReduction() throws {
        var rng = SeededGenerator(seed: 32)
        for trial in 0..<40 {
            let reduction = ["none", "add", "mul", "max", "min"][trial % 5]
            let rank = rng.int(1...3)
            let data = rng.shape(rank: rank)
            let k = rng.int(1...rank)
            let lead = data[..<k].reduce(1, *)
            // Unique tuples for "none" (its result would depend on order otherwise), repeats for the rest.
            let count = reduction == "none" ? rng.int(1...lead) : rng.int(1...6)
            let picks = reduction == "none" ? Array(rng.permutation(lead).prefix(count)) : (0..<count).map { _ in rng.int(0...(lead - 1)) }
            var values: [Int] = []
            for p in picks { values += H.coordinates(p, Array(data[..<k])) }
            let slice = Array(data[k...])
            let x = rng.tensor(data), u = rng.tensor([count] + slice)
            let out = try H.run("ScatterND", [x, Tensor(values.map { Int64($0) }, shape: [count, k]), u],
                                attributes: ["reduction": .string(reduction)], opset: 18)[0]
            var want = x.floats()
            let us = u.floats(), n = slice.reduce(1, *)
            for (j, p) in picks.enumerated() {
                for e in 0..<n {
                    let (o, v) = (p * n + e, us[j * n + e])
                    switch reduction {
                    case "add": want[o] += v
                    case "mul": want[o] *= v
                    case "max": want[o] = max(want[o], v)
                    case "min": want[o] = min(want[o], v)
                    default: want[o] = v
                    }
                }
            }
            XCTAssertEqual(out.floats(), want, reduction)
        }
    }

    func testScatterElementsMatchesNaive() throws {
        var rng = SeededGenerator(seed: 33)
        for trial in 0..<40 {
            let reduction = ["none", "add", "mul", "max", "min"][trial % 5]
            let rank = rng.int(1...3)
            let data = rng.shape(rank: rank)
            let axis = rng.int(0...(rank - 1))
            var shape = data.map { rng.int(1...$0) }
            shape[axis] = rng.int(1...4)
            let indices = (0..<shape.reduce(1, *)).map { _ in rng.int(-data[axis]...(data[axis] - 1)) }
            let x = Tensor((0..<data.reduce(1, *)).map { _ in Int64(rng.int(-9...9)) }, shape: data)
            let u = Tensor((0..<shape.reduce(1, *)).map { _ in Int64(rng.int(-9...9)) }, shape: shape)
            let out = try H.run("ScatterElements", [x, Tensor(indices.map { Int64($0) }, shape: shape), u],
                                attributes: ["axis": .int(axis - rank), "reduction": .string(reduction)], opset: 18)[0]
            var want = x.ints()
            let us = u.ints()
            for i in 0..<us.count {
                var c = H.coordinates(i, shape)
                c[axis] = indices[i] < 0 ? indices[i] + data[axis] : indices[i]
                let o = H.flat(c, data)
                switch reduction {
                case "add": want[o] += us[i]
                case "mul": want[o] *= us[i]
                case "max": want[o] = max(want[o], us[i])
                case "min": want[o] = min(want[o], us[i])
                default: want[o] = us[i]
                }
            }
            XCTAssertEqual(out.ints(), want, reduction)
        }
    }

    func testBadIndicesAndShapesAreInputErrors() {
        let x = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        for (op, inputs) in [
            ("GatherND", [x, Tensor([Int64(2), 0], shape: [1, 2])]),
            ("GatherND", [x, Tensor([Int64(0), 0, 0], shape: [1, 3])]),
            ("ScatterND", [x, Tensor([Int64(-3)], shape: [1, 1]), Tensor([1, 2] as [Float], shape: [1, 2])]),
            ("ScatterND", [x, Tensor([Int64(0)], shape: [1, 1]), Tensor([1, 2, 3] as [Float], shape: [1, 3])]),
            ("ScatterElements", [x, Tensor([Int64(2)], shape: [1, 1]), Tensor([1] as [Float], shape: [1, 1])]),
            ("ScatterElements", [x, Tensor([Int64(0)], shape: [1, 1]), Tensor([Int64(1)], shape: [1, 1])]),
        ] as [(String, [Tensor?])] {
            XCTAssertThrowsError(try H.run(op, inputs), op) { error in
                XCTAssertEqual((error as? StrataError)?.kind, .invalidInput, "\(op): \(error)")
            }
        }
        XCTAssertThrowsError(try H.run("ScatterND", [x, Tensor([Int64(0)], shape: [1, 1]), Tensor([1, 2] as [Float], shape: [1, 2])],
                                       attributes: ["reduction": .string("max")], opset: 16))
    }
}

import CStrataKernels
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataEngine

/// Reduce*, Softmax/LogSoftmax, ArgMax/ArgMin, CumSum and TopK against naive loops over seeded
/// random data.
final class ReductionKernelTests: KernelTierTestCase {
    typealias Support = ReductionTestSupport

    static var reductions: [(String, ([Double]) -> Double)] { [
        ("ReduceSum", { $0.reduce(0, +) }),
        ("ReduceMean", { $0.reduce(0, +) / Double($0.count) }),
        ("ReduceMax", { $0.max() ?? -.infinity }),
        ("ReduceMin", { $0.min() ?? .infinity }),
        ("ReduceProd", { $0.reduce(1, *) }),
        ("ReduceL1", { $0.reduce(0) { $0 + abs($1) } }),
        ("ReduceL2", { $0.reduce(0) { $0 + $1 * $1 }.squareRoot() }),
        ("ReduceSumSquare", { $0.reduce(0) { $0 + $1 * $1 } }),
        ("ReduceLogSumExp", { Foundation.log($0.reduce(0) { $0 + Foundation.exp($1) }) }),
        ("ReduceLogSum", { Foundation.log($0.reduce(0, +)) }),
    ] }

    /// Groups the elements of `x` by output element, the `axes` removed.
    private func groups(_ x: [Float], shape: [Int], axes: Set<Int>) -> [[Double]] {
        let outShape = shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        var out = Array(repeating: [Double](), count: outShape.elementCount)
        for i in 0..<x.count {
            let c = Support.coordinates(i, shape)
            let kept = c.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
            out[Support.flat(kept, outShape)].append(Double(x[i]))
        }
        return out
    }

    func testReductionsMatchNaiveLoop() throws {
        var rng = SeededGenerator(seed: 11)
        let shapes: [[Int]] = [[7], [3, 4], [2, 3, 4], [2, 1, 3, 5], [4, 3, 2, 3], [3, 2, 40, 33]]
        for shape in shapes {
            for trial in 0..<6 {
                let rank = shape.count
                var axes = Set((0..<rank).filter { _ in Bool.random(using: &rng) })
                if axes.isEmpty { axes = [trial % rank] }
                let keep = trial % 2 == 0
                for (op, f) in Self.reductions {
                    let range: ClosedRange<Float> = op == "ReduceLogSum" ? 0.1...2 : (op == "ReduceProd" ? 0.5...1.5 : -3...3)
                    let x = Support.random(shape, in: range, &rng)
                    // Negative axes in the input form, positive in the old attribute form.
                    let axisList = axes.sorted().map { trial % 3 == 0 ? $0 - rank : $0 }
                    let new = try Support.run(op, [x, Tensor(axisList.map(Int64.init), shape: [axisList.count])],
                                              attributes: ["keepdims": .int(keep ? 1 : 0)], opset: 18)[0]
                    let old = try Support.run(op, [x], attributes: ["keepdims": .int(keep ? 1 : 0), "axes": .ints(axisList)],
                                              opset: 11)[0]
                    let expectedShape = shape.enumerated().compactMap { axes.contains($0.offset) ? (keep ? 1 : nil) : $0.element }
                    let want = groups(x.floats(), shape: shape, axes: axes).map(f)
                    for y in [new, old] {
                        XCTAssertEqual(y.shape, expectedShape, "\(op) \(shape) axes \(axisList)")
                        assertClose(y.floats(), want, "\(op) \(shape) axes \(axisList) keepdims \(keep)")
                    }
                }
            }
        }
    }

    func testAllAxesNoopAndEmptySets() throws {
        let x = Tensor([Float](arrayLiteral: 1, -2, 3, -4, 5, -6), shape: [2, 3])
        // No axes: every axis, unless noop_with_empty_axes.
        XCTAssertEqual(try Support.run("ReduceSum", [x], opset: 13)[0].floats(), [-3])
        XCTAssertEqual(try Support.run("ReduceSum", [x], opset: 13)[0].shape, [1, 1])
        let noop = try Support.run("ReduceSumSquare", [x, Tensor([Int64](), shape: [0])],
                                   attributes: ["noop_with_empty_axes": .int(1)], opset: 18)[0]
        XCTAssertEqual(noop.shape, [2, 3])
        XCTAssertEqual(noop.floats(), [1, 4, 9, 16, 25, 36])
        XCTAssertEqual(try Support.run("ReduceMax", [x], attributes: ["keepdims": .int(0)], opset: 18)[0].shape, [])

        // Reducing an axis of size 0 gives each operation's identity.
        let empty = Tensor([Float](), shape: [2, 0, 3])
        let axis = Tensor([Int64(1)], shape: [1])
        let expected: [(String, Float)] = [
            ("ReduceSum", 0), ("ReduceProd", 1), ("ReduceMax", -.infinity), ("ReduceMin", .infinity),
            ("ReduceL1", 0), ("ReduceL2", 0), ("ReduceSumSquare", 0), ("ReduceLogSumExp", -.infinity),
            ("ReduceLogSum", -.infinity),
        ]
        for (op, value) in expected {
            let y = try Support.run(op, [empty, axis], opset: 18)[0]
            XCTAssertEqual(y.shape, [2, 1, 3], op)
            XCTAssertEqual(y.floats(), Array(repeating: value, count: 6), op)
        }
        XCTAssertTrue(try Support.run("ReduceMean", [empty, axis], opset: 18)[0].floats().allSatisfy(\.isNaN))
    }

    func testIntegerAndBoolReductions() throws {
        let x = Tensor([Int64](arrayLiteral: 5, -7, 3, 9_000_000_000, 2, -1), shape: [2, 3])
        let axis = Tensor([Int64(1)], shape: [1])
        XCTAssertEqual(try Support.run("ReduceSum", [x, axis], opset: 13)[0].ints(), [1, 9_000_000_001])
        XCTAssertEqual(try Support.run("ReduceMax", [x, axis], opset: 18)[0].ints(), [5, 9_000_000_000])
        XCTAssertEqual(try Support.run("ReduceProd", [x, axis], opset: 18)[0].ints(), [-105, -18_000_000_000])
        let small = Tensor([Int32](arrayLiteral: 4, 6, -8, 1), shape: [4])
        let mean = try Support.run("ReduceMean", [small], opset: 18)[0]
        XCTAssertEqual(mean.dtype, .int32)
        XCTAssertEqual(mean.ints(), [0])
        let flags = Tensor([false, true, false, false], shape: [2, 2])
        let any = try Support.run("ReduceMax", [flags, axis], opset: 20)[0]
        XCTAssertEqual(any.dtype, .bool)
        XCTAssertEqual(any.ints(), [1, 0])
        XCTAssertThrowsError(try Support.run("ReduceLogSumExp", [x, axis], opset: 18))
    }

    func testBadAxesThrow() {
        let x = Tensor([Float](arrayLiteral: 1, 2, 3, 4), shape: [2, 2])
        XCTAssertThrowsError(try Support.run("ReduceSum", [x, Tensor([Int64(2)], shape: [1])], opset: 13)) { error in
            XCTAssertEqual((error as? StrataError)?.location.node, "n")
        }
        XCTAssertThrowsError(try Support.run("ReduceSum", [x, Tensor([Int64(0), 0], shape: [2])], opset: 13))
        XCTAssertThrowsError(try Support.run("ReduceMean", [x], attributes: ["axes": .ints([0])], opset: 18))
        XCTAssertThrowsError(try Support.run("Softmax", [x], attributes: ["axis": .int(2)]))
        XCTAssertThrowsError(try Support.run("ArgMax", [x], attributes: ["axis": .int(-3)]))
    }

    func testSoftmaxMatchesNaiveLoop() {
        forEachKernelTier {
            var rng = SeededGenerator(seed: 12)
            for shape in [[5], [3, 7], [2, 3, 4], [2, 300, 3], [4, 2, 3, 5]] {
                let x = Support.random(shape, in: -10...10, &rng)
                let values = x.floats().map { Double($0) }
                for axis in -shape.count..<shape.count {
                    let a = axis < 0 ? axis + shape.count : axis
                    for opset in [11, 13] {
                        // Opset 13: one axis; before: everything from `axis` on is one row.
                        let reduced = opset >= 13 ? Set([a]) : Set(a..<shape.count)
                        var maxes = Array(repeating: -Double.infinity, count: x.count)
                        var totals = Array(repeating: 0.0, count: x.count)
                        let key = { (i: Int) -> Int in
                            let c = Support.coordinates(i, shape)
                            return Support.flat(c.enumerated().map { reduced.contains($0.offset) ? 0 : $0.element }, shape)
                        }
                        for i in 0..<x.count { maxes[key(i)] = max(maxes[key(i)], values[i]) }
                        for i in 0..<x.count { totals[key(i)] += Foundation.exp(values[i] - maxes[key(i)]) }
                        let soft = (0..<x.count).map { Foundation.exp(values[$0] - maxes[key($0)]) / totals[key($0)] }
                        let logSoft = (0..<x.count).map { values[$0] - maxes[key($0)] - Foundation.log(totals[key($0)]) }
                        let y = try Support.run("Softmax", [x], attributes: ["axis": .int(axis)], opset: opset)[0]
                        assertClose(y.floats(), soft, "Softmax-\(opset) \(shape) axis \(axis)")
                        let z = try Support.run("LogSoftmax", [x], attributes: ["axis": .int(axis)], opset: opset)[0]
                        assertClose(z.floats(), logSoft, "LogSoftmax-\(opset) \(shape) axis \(axis)")
                    }
                }
            }
            // Defaults: axis 1 before opset 13, -1 from 13.
            let x = Support.random([2, 3, 4], &rng)
            let old = try Support.run("Softmax", [x], opset: 11)[0].floats()
            XCTAssertEqual(old, try Support.run("Softmax", [x], attributes: ["axis": .int(1)], opset: 11)[0].floats())
            let new = try Support.run("Softmax", [x], opset: 13)[0].floats()
            XCTAssertEqual(new, try Support.run("Softmax", [x], attributes: ["axis": .int(2)], opset: 13)[0].floats())
        }
    }

    /// Rows of contiguous float32 values go through `strata_softmax_rows`, one C pass per step;
    /// each value must be the one the separate steps give (the largest value, x − max, the exp of
    /// `strata_unary`, `VectorLoops.total`, times 1/sum), on every tier, for row lengths around the
    /// vector widths and the sums' 32-value blocks, and with infinities and NaN in some rows.
    func testSoftmaxRowsGiveTheSeparateStepsValues() throws {
        forEachKernelTier {
            var rng = SeededGenerator(seed: 21)
            for n in [1, 2, 7, 8, 9, 31, 32, 33, 40, 197, 1000] {
                let rows = 5
                var values = (0..<rows * n).map { _ in Float(rng.unit() * 60 - 30) }
                if n > 3 {
                    values[n + 2] = .infinity       // row 1: the largest value is infinite
                    values[2 * n + 1] = .nan        // row 2: NaN
                    values[3 * n] = -.infinity      // row 3: one value vanishes
                }
                let x = Tensor(values, shape: [rows, n])
                let got = try Support.run("Softmax", [x], attributes: ["axis": .int(1)], opset: 13)[0].floats()
                var wanted = [Float](repeating: 0, count: rows * n)
                for r in 0..<rows {
                    let row = Array(values[r * n..<(r + 1) * n])
                    let top = row.withUnsafeBufferPointer { VectorLoops.maximum($0.baseAddress!, count: n) }
                    var shifted = row.map { $0 - top }
                    strata_unary(Int32(STRATA_UNARY_EXP.rawValue), shifted, &shifted, n)
                    let scale = 1 / shifted.withUnsafeBufferPointer { VectorLoops.total($0.baseAddress!, count: n) }
                    for k in 0..<n { wanted[r * n + k] = shifted[k] * scale }
                }
                for i in 0..<rows * n where got[i].bitPattern != wanted[i].bitPattern && !(got[i].isNaN && wanted[i].isNaN) {
                    XCTFail("\(KernelTier.active) n \(n): value \(i) is \(got[i]), the separate steps give \(wanted[i])")
                    break
                }
            }
        }
    }

    func testArgMaxArgMinWithTies() throws {
        var rng = SeededGenerator(seed: 13)
        let shape = [3, 4, 5]
        // Few distinct values so that ties are common.
        let values = (0..<shape.elementCount).map { _ in Float(Int.random(in: 0...3, using: &rng)) }
        let x = Tensor(values, shape: shape)
        for op in ["ArgMax", "ArgMin"] {
            for axis in 0..<3 {
                for last in [0, 1] {
                    for keep in [0, 1] {
                        let y = try Support.run(op, [x], attributes: [
                            "axis": .int(axis - (last == 1 ? 3 : 0)), "keepdims": .int(keep), "select_last_index": .int(last),
                        ])[0]
                        var outShape = shape
                        if keep == 1 { outShape[axis] = 1 } else { outShape.remove(at: axis) }
                        XCTAssertEqual(y.dtype, .int64)
                        XCTAssertEqual(y.shape, outShape)
                        var want: [Int] = []
                        var lineShape = shape
                        lineShape[axis] = 1
                        for o in 0..<lineShape.elementCount {
                            var c = Support.coordinates(o, lineShape)
                            var best = 0
                            var bestValue = op == "ArgMax" ? -Float.infinity : Float.infinity
                            for r in 0..<shape[axis] {
                                c[axis] = r
                                let v = values[Support.flat(c, shape)]
                                let better = op == "ArgMax" ? (last == 1 ? v >= bestValue : v > bestValue)
                                    : (last == 1 ? v <= bestValue : v < bestValue)
                                if better { best = r; bestValue = v }
                            }
                            want.append(best)
                        }
                        XCTAssertEqual(y.ints(), want, "\(op) axis \(axis) last \(last)")
                    }
                }
            }
        }
    }

    func testCumSumMatchesNaiveLoop() throws {
        var rng = SeededGenerator(seed: 14)
        let shape = [3, 4, 5]
        let x = Support.random(shape, &rng)
        let values = x.floats().map { Double($0) }
        for axis in -3..<3 {
            let a = axis < 0 ? axis + 3 : axis
            for exclusive in [0, 1] {
                for reverse in [0, 1] {
                    let axisTensor = axis % 2 == 0 ? Tensor([Int32(axis)], shape: []) : Tensor([Int64(axis)], shape: [1])
                    let y = try Support.run("CumSum", [x, axisTensor],
                                            attributes: ["exclusive": .int(exclusive), "reverse": .int(reverse)], opset: 14)[0]
                    let want = (0..<x.count).map { i -> Double in
                        var c = Support.coordinates(i, shape)
                        let me = c[a]
                        var sum = 0.0
                        for r in 0..<shape[a] {
                            let included = reverse == 1 ? (exclusive == 1 ? r > me : r >= me) : (exclusive == 1 ? r < me : r <= me)
                            if included { c[a] = r; sum += values[Support.flat(c, shape)] }
                        }
                        return sum
                    }
                    assertClose(y.floats(), want, "CumSum axis \(axis) exclusive \(exclusive) reverse \(reverse)")
                }
            }
        }
        let ints = try Support.run("CumSum", [Tensor([Int64](arrayLiteral: 1, 2, 3, 4), shape: [4]), Tensor([Int64(0)], shape: [])])[0]
        XCTAssertEqual(ints.dtype, .int64)
        XCTAssertEqual(ints.ints(), [1, 3, 6, 10])
    }

    func testTopKMatchesStableSort() throws {
        var rng = SeededGenerator(seed: 15)
        let shape = [4, 6, 3]
        let values = (0..<shape.elementCount).map { _ in Float(Int.random(in: 0...4, using: &rng)) }
        let x = Tensor(values, shape: shape)
        for axis in 0..<3 {
            for largest in [0, 1] {
                let k = shape[axis] - 1
                let out = try Support.run("TopK", [x, Tensor([Int64(k)], shape: [1])],
                                          attributes: ["axis": .int(axis), "largest": .int(largest)], opset: 11, outputs: 2)
                var outShape = shape
                outShape[axis] = k
                XCTAssertEqual(out[0].shape, outShape)
                XCTAssertEqual(out[1].dtype, .int64)
                var lineShape = shape
                lineShape[axis] = 1
                var wantValues = [Float](repeating: 0, count: outShape.elementCount)
                var wantIndices = [Int](repeating: 0, count: outShape.elementCount)
                for o in 0..<lineShape.elementCount {
                    var c = Support.coordinates(o, lineShape)
                    let line = (0..<shape[axis]).map { r -> (Float, Int) in c[axis] = r; return (values[Support.flat(c, shape)], r) }
                    // Swift's sort is stable: equal values keep the lower index first.
                    let sorted = line.sorted { largest == 1 ? $0.0 > $1.0 : $0.0 < $1.0 }
                    for j in 0..<k {
                        c[axis] = j
                        wantValues[Support.flat(c, outShape)] = sorted[j].0
                        wantIndices[Support.flat(c, outShape)] = sorted[j].1
                    }
                }
                XCTAssertEqual(out[0].floats(), wantValues, "TopK axis \(axis) largest \(largest)")
                XCTAssertEqual(out[1].ints(), wantIndices, "TopK axis \(axis) largest \(largest)")
            }
        }
        // A large k sorts whole lines instead of keeping a short list.
        let long = Tensor((0..<300).map { _ in Float(Int.random(in: 0...20, using: &rng)) }, shape: [3, 100])
        let top = try Support.run("TopK", [long, Tensor([Int64(40)], shape: [1])], attributes: ["largest": .int(0)], outputs: 2)
        for row in 0..<3 {
            let line = (0..<100).map { (long.floats()[row * 100 + $0], $0) }.sorted { $0.0 < $1.0 }.prefix(40)
            XCTAssertEqual(Array(top[0].floats()[(row * 40)..<(row * 40 + 40)]), line.map(\.0))
            XCTAssertEqual(Array(top[1].ints()[(row * 40)..<(row * 40 + 40)]), line.map(\.1))
        }
        // Opset 1 takes k as an attribute.
        let old = try Support.run("TopK", [Tensor([Float](arrayLiteral: 3, 1, 2), shape: [3])], attributes: ["k": .int(2)], opset: 1, outputs: 2)
        XCTAssertEqual(old[0].floats(), [3, 2])
        XCTAssertEqual(old[1].ints(), [0, 2])
        XCTAssertThrowsError(try Support.run("TopK", [Tensor([Float](arrayLiteral: 3, 1, 2), shape: [3]), Tensor([Int64(4)], shape: [1])], outputs: 2))
    }

    func testCumProdAndHardmax() throws {
        let x = Tensor([Float](arrayLiteral: 1, 2, 3, 4, 5, 6), shape: [2, 3])
        let axis = Tensor([Int64(1)], shape: [1])
        let product = { (exclusive: Int, reverse: Int) in
            try Support.run("CumProd", [x, axis], attributes: ["exclusive": .int(exclusive), "reverse": .int(reverse)], opset: 26)[0].floats()
        }
        XCTAssertEqual(try product(0, 0), [1, 2, 6, 4, 20, 120])
        XCTAssertEqual(try product(1, 0), [1, 1, 2, 1, 4, 20])
        XCTAssertEqual(try product(0, 1), [6, 6, 3, 120, 30, 6])
        XCTAssertEqual(try product(1, 1), [6, 3, 1, 30, 6, 1])

        let ties = Tensor([Float](arrayLiteral: 3, 1, 3, 0, 2, 2, 5, 5, 1, 4, 9, 4), shape: [2, 2, 3])
        // Opset 13: along the last axis; the first of equal largest values wins.
        XCTAssertEqual(try Support.run("Hardmax", [ties], opset: 13)[0].floats(), [1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0])
        XCTAssertEqual(try Support.run("Hardmax", [ties], attributes: ["axis": .int(1)], opset: 13)[0].floats(),
                       [1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1])
        // Before 13: each [2, 3] block from axis 1 is one line.
        XCTAssertEqual(try Support.run("Hardmax", [ties], opset: 11)[0].floats(), [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0])
    }

    func testLongRowsSplitOverThreads() throws {
        var rng = SeededGenerator(seed: 16)
        let x = Support.random([2, 100_003], in: -1...1, &rng)
        let values = x.floats().map { Double($0) }
        for threads in [1, 2, 3, 8] {
            let sums = try Support.run("ReduceSum", [x, Tensor([Int64(1)], shape: [1])], opset: 18, threads: threads)[0]
            let maxes = try Support.run("ReduceMax", [x, Tensor([Int64(1)], shape: [1])], opset: 18, threads: threads)[0]
            for row in 0..<2 {
                let line = values[(row * 100_003)..<((row + 1) * 100_003)]
                XCTAssertEqual(Double(sums.floats()[row]), line.reduce(0, +), accuracy: 1e-2, "threads \(threads)")
                XCTAssertEqual(Double(maxes.floats()[row]), line.max()!, "threads \(threads)")
            }
        }
    }
}

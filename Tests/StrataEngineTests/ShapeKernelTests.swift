import StrataTestSupport
import XCTest
import StrataCore
@testable import StrataEngine

/// Shape and data-movement kernels against naive index-by-index references on seeded random data.
final class ShapeKernelTests: XCTestCase {
    typealias H = ShapeHarness

    /// A tensor of `dtype` with random bytes (data movement must move every byte pattern).
    private func randomTensor(_ dtype: DType, _ shape: [Int], _ rng: inout SeededGenerator) throws -> Tensor {
        let t = try Tensor(dtype: dtype, shape: shape)
        let p = t.rawPointer.assumingMemoryBound(to: UInt8.self)
        for i in 0..<t.byteCount { p[i] = UInt8(truncatingIfNeeded: rng.next()) }
        return t
    }

    /// Asserts `out` element `i` has the bytes of `x` element `j`.
    private func sameElement(_ out: Tensor, _ i: Int, _ x: Tensor, _ j: Int) -> Bool {
        let es = x.dtype.byteSize
        return memcmp(out.rawPointer + i * es, x.rawPointer + j * es, es) == 0
    }

    /// Checks every output element against `source(outCoords)`: input coords, or nil for `fill`.
    private func check(_ out: Tensor, _ x: Tensor, shape: [Int], fill: Tensor? = nil, file: StaticString = #filePath,
                       line: UInt = #line, _ source: ([Int]) -> [Int]?) {
        XCTAssertEqual(out.shape, shape, file: file, line: line)
        XCTAssertEqual(out.dtype, x.dtype, file: file, line: line)
        guard out.shape == shape else { return }
        for i in 0..<out.count {
            let c = H.coordinates(i, shape)
            let ok: Bool
            if let s = source(c) {
                ok = sameElement(out, i, x, H.flat(s, x.shape))
            } else {
                ok = memcmp(out.rawPointer + i * x.dtype.byteSize, fill!.rawPointer, x.dtype.byteSize) == 0
            }
            if !ok {
                XCTFail("element \(c) differs", file: file, line: line)
                return
            }
        }
    }

    private func assertError(_ kind: StrataError.Kind, file: StaticString = #filePath, line: UInt = #line,
                             _ body: () throws -> Any) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            let e = error as? StrataError
            XCTAssertEqual(e?.kind, kind, "\(error)", file: file, line: line)
            XCTAssertEqual(e?.location.node, "n", file: file, line: line)
        }
    }

    // MARK: views

    func testReshapeFlattenSqueezeUnsqueezeAreViews() throws {
        var rng = SeededGenerator(seed: 1)
        let x = rng.tensor([2, 3, 4])
        let r = try H.run("Reshape", [x, H.ints([0, -1])])[0]
        XCTAssertEqual(r.shape, [2, 12])
        XCTAssertEqual(r.rawPointer, x.rawPointer)
        XCTAssertEqual(try H.run("Reshape", [x], attributes: ["shape": .ints([4, -1])], opset: 4)[0].shape, [4, 6])
        XCTAssertEqual(try H.run("Flatten", [x], attributes: ["axis": .int(-1)])[0].shape, [6, 4])
        XCTAssertEqual(try H.run("Flatten", [x], attributes: ["axis": .int(0)])[0].shape, [1, 24])
        let u = try H.run("Unsqueeze", [x, H.ints([0, -1])])[0]
        XCTAssertEqual(u.shape, [1, 2, 3, 4, 1])
        XCTAssertEqual(try H.run("Unsqueeze", [x], attributes: ["axes": .ints([1])], opset: 11)[0].shape, [2, 1, 3, 4])
        XCTAssertEqual(try H.run("Squeeze", [u])[0].shape, [2, 3, 4])
        XCTAssertEqual(try H.run("Squeeze", [u, H.ints([-1])])[0].shape, [1, 2, 3, 4])
        XCTAssertEqual(try H.run("Squeeze", [u, H.ints([0])])[0].rawPointer, x.rawPointer)
        let empty = try Tensor(dtype: .float32, shape: [0, 3])
        XCTAssertEqual(try H.run("Reshape", [empty, H.ints([3, 0])], attributes: ["allowzero": .int(1)])[0].shape, [3, 0])
        XCTAssertEqual(try H.run("Reshape", [empty, H.ints([0, 3])])[0].shape, [0, 3])
    }

    func testViewErrorsAreLocated() {
        var rng = SeededGenerator(seed: 2)
        let x = rng.tensor([2, 3, 4])
        assertError(.invalidModel) { try H.run("Reshape", [x, H.ints([5, -1])]) }
        assertError(.invalidModel) { try H.run("Reshape", [x, H.ints([-1, -1])]) }
        assertError(.invalidInput) { try H.run("Squeeze", [x, H.ints([1])]) }
        assertError(.invalidModel) { try H.run("Squeeze", [x, H.ints([3])]) }
        assertError(.invalidInput) { try H.run("Reshape", [x, Tensor([1.0, 24.0] as [Float], shape: [2])]) }
    }

    // MARK: transpose

    func testTransposeMatchesNaiveForRandomShapesPermsAndDtypes() throws {
        var rng = SeededGenerator(seed: 3)
        let dtypes: [DType] = [.float32, .int64, .uint8, .float16, .bool]
        for trial in 0..<40 {
            let rank = rng.int(1...5)
            let shape = rng.shape(rank: rank)
            let perm = rng.permutation(rank)
            let x = try randomTensor(dtypes[trial % dtypes.count], shape, &rng)
            let out = try H.run("Transpose", [x], attributes: ["perm": .ints(perm)])[0]
            check(out, x, shape: perm.map { shape[$0] }) { c in
                var s = [Int](repeating: 0, count: rank)
                for k in 0..<rank { s[perm[k]] = c[k] }
                return s
            }
        }
    }

    func testTransposeTiledLayoutsAndDefaultPerm() throws {
        var rng = SeededGenerator(seed: 4)
        for (shape, perm) in [([2, 37, 9, 11], [0, 2, 3, 1]), ([2, 9, 11, 37], [0, 3, 1, 2]), ([70, 45], [1, 0])] {
            for dtype in [DType.float32, .int8, .float64] {
                let x = try randomTensor(dtype, shape, &rng)
                let out = try H.run("Transpose", [x], attributes: ["perm": .ints(perm)], threads: 3)[0]
                check(out, x, shape: perm.map { shape[$0] }) { c in
                    var s = [Int](repeating: 0, count: c.count)
                    for k in 0..<c.count { s[perm[k]] = c[k] }
                    return s
                }
            }
        }
        let x = rng.tensor([2, 3, 4])
        let out = try H.run("Transpose", [x])[0]
        check(out, x, shape: [4, 3, 2]) { c in c.reversed() }
    }

    // MARK: slice

    /// CPython's `slice.indices` followed by `range`: the semantics ONNX Slice follows.
    private func pythonSlice(_ dim: Int, _ start: Int, _ end: Int, _ step: Int) -> [Int] {
        let lower = step > 0 ? 0 : -1, upper = step > 0 ? dim : dim - 1
        func fix(_ v: Int) -> Int {
            if v < 0 { return Swift.max(v + dim, lower) }
            return Swift.min(v, upper)
        }
        var out: [Int] = []
        var i = fix(start)
        let e = fix(end)
        while step > 0 ? i < e : i > e {
            out.append(i)
            i += step
        }
        return out
    }

    func testSliceMatchesPythonSlicingForRandomArguments() throws {
        var rng = SeededGenerator(seed: 5)
        for trial in 0..<60 {
            let rank = rng.int(1...4)
            let shape = rng.shape(rank: rank, max: 7)
            let x = try randomTensor(trial % 2 == 0 ? .float32 : .int16, shape, &rng)
            let axes = Array(rng.permutation(rank).prefix(rng.int(1...rank)))
            var starts: [Int] = [], ends: [Int] = [], steps: [Int] = []
            var picks = shape.map { Array(0..<$0) }
            for a in axes {
                let start = rng.int(0...5) == 0 ? (rng.int(0...1) == 0 ? Int(Int64.max) : Int(Int64.min)) : rng.int(-9...9)
                let end = rng.int(0...4) == 0 ? (rng.int(0...1) == 0 ? Int(Int64.max) : Int(Int64.min)) : rng.int(-9...9)
                let step = [-3, -2, -1, 1, 2, 3][rng.int(0...5)]
                starts.append(start); ends.append(end); steps.append(step)
                picks[a] = pythonSlice(shape[a], start, end, step)
            }
            let axisArg = axes.map { trial % 3 == 0 ? $0 - rank : $0 }
            let out = try H.run("Slice", [x, H.ints(starts), H.ints(ends), H.ints(axisArg), H.ints(steps)])[0]
            check(out, x, shape: picks.map(\.count)) { c in (0..<rank).map { picks[$0][c[$0]] } }
        }
    }

    func testSliceOpset1AttributesAndZeroStepError() throws {
        var rng = SeededGenerator(seed: 6)
        let x = rng.tensor([4, 5])
        let out = try H.run("Slice", [x], attributes: ["starts": .ints([1, -3]), "ends": .ints([3, 100])], opset: 9)[0]
        check(out, x, shape: [2, 3]) { c in [c[0] + 1, c[1] + 2] }
        assertError(.invalidModel) { try H.run("Slice", [x, H.ints([0]), H.ints([2]), H.ints([0]), H.ints([0])]) }
    }

    // MARK: gather

    func testGatherMatchesNaiveWithNegativeIndices() throws {
        var rng = SeededGenerator(seed: 7)
        for trial in 0..<40 {
            let rank = rng.int(1...3)
            let shape = rng.shape(rank: rank)
            let axis = rng.int(0...(rank - 1))
            let dim = shape[axis]
            let indexShape = rng.shape(rank: rng.int(0...2), max: 3)
            let indices = (0..<indexShape.elementCount).map { _ in rng.int(-dim...(dim - 1)) }
            let indexTensor = trial % 2 == 0
                ? Tensor(indices.map { Int64($0) }, shape: indexShape)
                : Tensor(indices.map { Int32($0) }, shape: indexShape)
            let x = try randomTensor(trial % 3 == 0 ? .uint16 : .float32, shape, &rng)
            let out = try H.run("Gather", [x, indexTensor], attributes: ["axis": .int(trial % 2 == 0 ? axis : axis - rank)])[0]
            let outShape = Array(shape[..<axis]) + indexShape + Array(shape[(axis + 1)...])
            check(out, x, shape: outShape) { c in
                let q = indexShape.count
                let j = H.flat(Array(c[axis..<(axis + q)]), indexShape)
                let i = indices[j] < 0 ? indices[j] + dim : indices[j]
                return Array(c[..<axis]) + [i] + Array(c[(axis + q)...])
            }
        }
    }

    func testGatherElementsMatchesNaive() throws {
        var rng = SeededGenerator(seed: 8)
        for _ in 0..<30 {
            let rank = rng.int(1...3)
            let shape = rng.shape(rank: rank)
            let axis = rng.int(0...(rank - 1))
            var indexShape = shape.map { rng.int(1...$0) }
            indexShape[axis] = rng.int(1...4)
            let indices = (0..<indexShape.elementCount).map { _ in rng.int(-shape[axis]...(shape[axis] - 1)) }
            let x = try randomTensor(.float32, shape, &rng)
            let out = try H.run("GatherElements", [x, Tensor(indices.map { Int64($0) }, shape: indexShape)],
                                attributes: ["axis": .int(axis)])[0]
            check(out, x, shape: indexShape) { c in
                var s = c
                let i = indices[H.flat(c, indexShape)]
                s[axis] = i < 0 ? i + shape[axis] : i
                return s
            }
        }
    }

    func testOutOfRangeIndicesAreInputErrors() {
        var rng = SeededGenerator(seed: 9)
        let x = rng.tensor([3, 4])
        assertError(.invalidInput) { try H.run("Gather", [x, H.ints([0, 3])]) }
        assertError(.invalidInput) { try H.run("Gather", [x, H.ints([-4])]) }
        assertError(.invalidInput) { try H.run("GatherElements", [x, Tensor([Int64(4)], shape: [1, 1])], attributes: ["axis": .int(1)]) }
        assertError(.invalidInput) { try H.run("Gather", [x, Tensor([0.0] as [Float], shape: [1])]) }
    }

    // MARK: concat and split

    func testSplitAndConcatMatchNaiveAndRoundTrip() throws {
        var rng = SeededGenerator(seed: 10)
        for trial in 0..<30 {
            let rank = rng.int(1...4)
            let shape = rng.shape(rank: rank, max: 6)
            let axis = rng.int(0...(rank - 1))
            var sizes: [Int] = []
            var left = shape[axis]
            while left > 0 {
                let s = rng.int(1...left)
                sizes.append(s)
                left -= s
            }
            if trial % 4 == 0 { sizes.insert(0, at: 0) }
            let x = try randomTensor(trial % 2 == 0 ? .float32 : .int64, shape, &rng)
            let parts = try H.run("Split", [x, H.ints(sizes)], attributes: ["axis": .int(axis)], outputs: sizes.count)
            var offset = 0
            for (k, part) in parts.enumerated() {
                var partShape = shape
                partShape[axis] = sizes[k]
                let base = offset
                check(part, x, shape: partShape) { c in
                    var s = c
                    s[axis] += base
                    return s
                }
                offset += sizes[k]
            }
            let joined = try H.run("Concat", parts, attributes: ["axis": .int(axis - rank)])[0]
            check(joined, x, shape: shape) { $0 }
        }
    }

    /// A batch-1 channel Concat of large parts is one contiguous block per part, cut among the
    /// threads (`StridedCopy.copyBlock`): every byte in place at 1 to 3 threads, with parts of odd
    /// sizes, so that the cuts fall inside cache lines and off the part boundaries.
    func testLargeContiguousConcatsAreCopiedByTheThreads() throws {
        var rng = SeededGenerator(seed: 13)
        let parts = [rng.tensor([1, 3, 211, 199]), rng.tensor([1, 5, 211, 199]), rng.tensor([1, 1, 211, 199])]
        let want = parts.flatMap { $0.floats() }
        XCTAssertGreaterThan(parts[1].byteCount, 2 * StridedCopy.blockPartBytes)
        for threads in 1...3 {
            let joined = try H.run("Concat", parts, attributes: ["axis": .int(1)], threads: threads)[0]
            XCTAssertEqual(joined.shape, [1, 9, 211, 199])
            XCTAssertEqual(joined.floats().map(\.bitPattern), want.map(\.bitPattern), "\(threads) threads")
        }
    }

    func testSplitVariants() throws {
        var rng = SeededGenerator(seed: 11)
        let x = rng.tensor([7, 2])
        let n = try H.run("Split", [x], attributes: ["num_outputs": .int(3)], opset: 18, outputs: 3)
        XCTAssertEqual(n.map(\.shape), [[3, 2], [3, 2], [1, 2]])
        let a = try H.run("Split", [x], attributes: ["split": .ints([2, 5])], opset: 11, outputs: 2)
        XCTAssertEqual(a.map(\.shape), [[2, 2], [5, 2]])
        let e = try H.run("Split", [x], attributes: ["axis": .int(1)], opset: 13, outputs: 2)
        XCTAssertEqual(e.map(\.shape), [[7, 1], [7, 1]])
        check(e[1], x, shape: [7, 1]) { [$0[0], 1] }
        assertError(.invalidModel) { try H.run("Split", [x], opset: 13, outputs: 2) }
        assertError(.invalidModel) { try H.run("Split", [x, H.ints([3, 3])], outputs: 2) }
    }

    func testConcatRejectsMismatchedInputs() {
        var rng = SeededGenerator(seed: 12)
        assertError(.invalidInput) { try H.run("Concat", [rng.tensor([2, 3]), rng.tensor([2, 4])], attributes: ["axis": .int(0)]) }
        assertError(.invalidInput) {
            try H.run("Concat", [rng.tensor([2, 3]), Tensor([Int64(1), 2, 3], shape: [1, 3])], attributes: ["axis": .int(0)])
        }
    }

    // MARK: broadcasting copies

    func testExpandAndTileMatchNaive() throws {
        var rng = SeededGenerator(seed: 13)
        for trial in 0..<30 {
            let rank = rng.int(1...4)
            let shape = (0..<rank).map { _ in rng.int(0...2) == 0 ? 1 : rng.int(1...4) }
            let x = try randomTensor(trial % 2 == 0 ? .float32 : .uint8, shape, &rng)
            let lead = rng.int(0...2)
            let target = (0..<lead).map { _ in rng.int(1...3) } + shape.map { $0 == 1 ? rng.int(1...3) : (rng.int(0...1) == 0 ? 1 : $0) }
            let outShape = (0..<(lead + rank)).map { d in d < lead ? target[d] : Swift.max(target[d], shape[d - lead]) }
            let e = try H.run("Expand", [x, H.ints(target)])[0]
            check(e, x, shape: outShape) { c in (0..<rank).map { shape[$0] == 1 ? 0 : c[$0 + lead] } }
            let repeats = (0..<rank).map { _ in rng.int(0...3) }
            let t = try H.run("Tile", [x, H.ints(repeats)])[0]
            check(t, x, shape: zip(shape, repeats).map { $0 * $1 }) { c in (0..<rank).map { c[$0] % shape[$0] } }
        }
        assertError(.invalidInput) { try H.run("Expand", [rng.tensor([3]), H.ints([2])]) }
        assertError(.invalidInput) { try H.run("Tile", [rng.tensor([3]), H.ints([2, 2])]) }
    }

    // MARK: pad

    private func naivePadSource(_ i: Int, _ n: Int, _ mode: String) -> Int? {
        if i >= 0 && i < n { return i }
        switch mode {
        case "edge": return Swift.min(Swift.max(i, 0), n - 1)
        case "wrap":
            var k = i
            while k < 0 { k += n }
            while k >= n { k -= n }
            return k
        case "reflect":
            if n == 1 { return 0 }
            var k = i
            while k < 0 || k >= n { k = k < 0 ? -k : 2 * (n - 1) - k }
            return k
        default: return nil
        }
    }

    func testPadModesMatchNaive() throws {
        var rng = SeededGenerator(seed: 14)
        for trial in 0..<48 {
            let mode = ["constant", "reflect", "edge", "wrap"][trial % 4]
            let rank = rng.int(1...3)
            let shape = rng.shape(rank: rank)
            let x = try randomTensor(trial % 3 == 0 ? .int32 : .float32, shape, &rng)
            let low = mode == "constant" || mode == "wrap" ? -1 : 0
            let before = shape.map { _ in rng.int(low...6) }, after = shape.map { _ in rng.int(low...6) }
            let value = try randomTensor(x.dtype, [], &rng)
            let out = try H.run("Pad", [x, H.ints(before + after), value], attributes: ["mode": .string(mode)], opset: 19)[0]
            let outShape = (0..<rank).map { shape[$0] + before[$0] + after[$0] }
            check(out, x, shape: outShape, fill: value) { c in
                var s: [Int] = []
                for d in 0..<rank {
                    guard let k = naivePadSource(c[d] - before[d], shape[d], mode) else { return nil }
                    s.append(k)
                }
                return s
            }
        }
    }

    func testPadAxesAndOpset2Attributes() throws {
        var rng = SeededGenerator(seed: 15)
        let x = rng.tensor([2, 3])
        let out = try H.run("Pad", [x, H.ints([1, 2]), nil, H.ints([-1])], opset: 18)[0]
        check(out, x, shape: [2, 6], fill: .scalar(Float(0))) { c in c[1] >= 1 && c[1] < 4 ? [c[0], c[1] - 1] : nil }
        let old = try H.run("Pad", [x], attributes: ["pads": .ints([1, 0, 0, 0]), "value": .float(2.5)], opset: 2)[0]
        check(old, x, shape: [3, 3], fill: .scalar(Float(2.5))) { c in c[0] >= 1 ? [c[0] - 1, c[1]] : nil }
        assertError(.invalidModel) { try H.run("Pad", [x, H.ints([1, 2])]) }
        assertError(.invalidModel) { try H.run("Pad", [x, H.ints([0, 0, 0, 0])], attributes: ["mode": .string("mirror")]) }
    }

    // MARK: depth and space

    func testDepthToSpaceAndSpaceToDepthMatchTheSpecFormulas() throws {
        var rng = SeededGenerator(seed: 16)
        for (b, n, c, h, w) in [(2, 2, 8, 3, 2), (3, 1, 18, 2, 3), (1, 2, 3, 2, 2), (2, 1, 8, 5, 9)] {
            let x = try randomTensor(.float32, [n, c, h, w], &rng)
            let d = c / (b * b)
            let dcr = try H.run("DepthToSpace", [x], attributes: ["blocksize": .int(b)])[0]
            check(dcr, x, shape: [n, d, h * b, w * b]) { q in
                [q[0], ((q[2] % b) * b + q[3] % b) * d + q[1], q[2] / b, q[3] / b]
            }
            let crd = try H.run("DepthToSpace", [x], attributes: ["blocksize": .int(b), "mode": .string("CRD")])[0]
            check(crd, x, shape: [n, d, h * b, w * b]) { q in
                [q[0], q[1] * b * b + (q[2] % b) * b + q[3] % b, q[2] / b, q[3] / b]
            }
            let back = try H.run("SpaceToDepth", [dcr], attributes: ["blocksize": .int(b)])[0]
            check(back, x, shape: x.shape) { $0 }
            let backCRD = try H.run("SpaceToDepth", [crd], attributes: ["blocksize": .int(b), "mode": .string("CRD")], opset: 28)[0]
            check(backCRD, x, shape: x.shape) { $0 }
        }
        assertError(.invalidInput) { try H.run("DepthToSpace", [rng.tensor([1, 3, 2, 2])], attributes: ["blocksize": .int(2)]) }
    }

    // MARK: resize

    func testUpsampleAndResizeNearestRepeatForIntegerScales() throws {
        var rng = SeededGenerator(seed: 17)
        let x = try randomTensor(.int64, [1, 2, 3, 4], &rng)
        let scales = Tensor([1, 1, 2, 3] as [Float], shape: [4])
        let expected: ([Int]) -> [Int]? = { c in [c[0], c[1], c[2] / 2, c[3] / 3] }
        check(try H.run("Upsample", [x, scales], attributes: ["mode": .string("nearest")], opset: 9)[0], x,
              shape: [1, 2, 6, 12], expected)
        check(try H.run("Upsample", [x], attributes: ["scales": .floats([1, 1, 2, 3])], opset: 7)[0], x,
              shape: [1, 2, 6, 12], expected)
        check(try H.run("Resize", [x, scales], opset: 10)[0], x, shape: [1, 2, 6, 12], expected)
        check(try H.run("Resize", [x, nil, scales], attributes: ["coordinate_transformation_mode": .string("asymmetric"),
                                                                 "nearest_mode": .string("floor")], opset: 13)[0],
              x, shape: [1, 2, 6, 12], expected)
    }

    func testResizeBilinearHalfPixelMatchesNaive() throws {
        var rng = SeededGenerator(seed: 18)
        let (h, w, oh, ow) = (5, 7, 8, 4)
        let x = rng.tensor([2, 3, h, w])
        let out = try H.run("Resize", [x, nil, nil, H.ints([2, 3, oh, ow])], attributes: ["mode": .string("linear")], opset: 19)[0]
        XCTAssertEqual(out.shape, [2, 3, oh, ow])
        let xs = x.floats(), ys = out.floats()
        func sample(_ o: Int, _ n: Int, _ scale: Double) -> (Int, Int, Double) {
            let s = Swift.max(0, (Double(o) + 0.5) / scale - 0.5)
            let i0 = Swift.min(Int(s), n - 1)
            return (i0, Swift.min(i0 + 1, n - 1), s - Double(Int(s)))
        }
        for p in 0..<6 {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let (y0, y1, fy) = sample(oy, h, Double(oh) / Double(h))
                    let (x0, x1, fx) = sample(ox, w, Double(ow) / Double(w))
                    func v(_ y: Int, _ x: Int) -> Double { Double(xs[(p * h + y) * w + x]) }
                    let want = (1 - fy) * ((1 - fx) * v(y0, x0) + fx * v(y0, x1)) + fy * ((1 - fx) * v(y1, x0) + fx * v(y1, x1))
                    XCTAssertEqual(Double(ys[(p * oh + oy) * ow + ox]), want, accuracy: 1e-5)
                }
            }
        }
    }

    func testResizeSizesAxesAndPolicyAndDtypeErrors() throws {
        var rng = SeededGenerator(seed: 19)
        let x = rng.tensor([1, 1, 4, 6])
        let notLarger = try H.run("Resize", [x, nil, nil, H.ints([8, 8])],
                                  attributes: ["axes": .ints([2, 3]), "keep_aspect_ratio_policy": .string("not_larger")])[0]
        XCTAssertEqual(notLarger.shape, [1, 1, 5, 8])
        let notSmaller = try H.run("Resize", [x, nil, nil, H.ints([8, 8])],
                                   attributes: ["axes": .ints([2, 3]), "keep_aspect_ratio_policy": .string("not_smaller")])[0]
        XCTAssertEqual(notSmaller.shape, [1, 1, 8, 12])
        let cubic = try H.run("Resize", [x, nil, Tensor([2, 0.5] as [Float], shape: [2])],
                              attributes: ["axes": .ints([-1, 2]), "mode": .string("cubic"), "antialias": .int(1)])[0]
        XCTAssertEqual(cubic.shape, [1, 1, 2, 12])
        let half = try x.converted(to: .float16)
        let linear16 = try H.run("Resize", [half, nil, nil, H.ints([1, 1, 7, 3])], attributes: ["mode": .string("linear")])[0]
        let linear32 = try H.run("Resize", [x, nil, nil, H.ints([1, 1, 7, 3])], attributes: ["mode": .string("linear")])[0]
        XCTAssertEqual(linear16.dtype, .float16)
        for (a, b) in zip(linear16.floats(), linear32.floats()) { XCTAssertEqual(a, b, accuracy: 2e-3) }
        let same = try H.run("Resize", [x, nil, Tensor([1, 1, 1, 1] as [Float], shape: [4])], attributes: ["mode": .string("cubic")])[0]
        XCTAssertEqual(same.floats(), x.floats())
        assertError(.unsupported) {
            try H.run("Resize", [Tensor([Int64(1), 2], shape: [1, 2]), nil, Tensor([1, 2] as [Float], shape: [2])],
                      attributes: ["mode": .string("linear")])
        }
        assertError(.invalidModel) { try H.run("Resize", [x], attributes: ["mode": .string("area")]) }
        assertError(.invalidInput) { try H.run("Resize", [x, nil, Tensor([1, 2] as [Float], shape: [2])]) }
    }

    // MARK: generators and small ops

    func testRangeMatchesNaive() throws {
        let ints = try H.run("Range", [.scalar(Int64(10)), .scalar(Int64(-3)), .scalar(Int64(-4))])[0]
        XCTAssertEqual(ints.ints(), Array(stride(from: 10, to: -3, by: -4)))
        XCTAssertEqual(ints.dtype, .int64)
        let floats = try H.run("Range", [.scalar(Float(0.5)), .scalar(Float(3)), .scalar(Float(0.75))])[0]
        XCTAssertEqual(floats.floats(), Array(stride(from: Float(0.5), to: 3, by: 0.75)))
        let empty = try H.run("Range", [.scalar(Int64(5)), .scalar(Int64(1)), .scalar(Int64(2))])[0]
        XCTAssertEqual(empty.shape, [0])
        assertError(.invalidModel) { try H.run("Range", [.scalar(Int64(0)), .scalar(Int64(3)), .scalar(Int64(0))]) }
    }

    func testTriluMatchesNaive() throws {
        var rng = SeededGenerator(seed: 20)
        let x = rng.tensor([2, 4, 5])
        let xs = x.floats()
        for upper in [0, 1] {
            for k in [-5, -1, 0, 2, 7] {
                let out = try H.run("Trilu", [x, .scalar(Int64(k))], attributes: ["upper": .int(upper)])[0].floats()
                for i in 0..<xs.count {
                    let c = H.coordinates(i, [2, 4, 5])
                    let keep = upper == 1 ? c[2] - c[1] >= k : c[2] - c[1] <= k
                    XCTAssertEqual(out[i], keep ? xs[i] : 0)
                }
            }
        }
    }

    func testShapeSizeConstantAndConstantOfShape() throws {
        var rng = SeededGenerator(seed: 21)
        let x = rng.tensor([2, 3, 4])
        XCTAssertEqual(try H.run("Shape", [x])[0].ints(), [2, 3, 4])
        XCTAssertEqual(try H.run("Shape", [x], attributes: ["start": .int(-2)])[0].ints(), [3, 4])
        XCTAssertEqual(try H.run("Shape", [x], attributes: ["start": .int(2), "end": .int(1)])[0].ints(), [])
        XCTAssertEqual(try H.run("Size", [x])[0].ints(), [24])
        XCTAssertEqual(try H.run("Constant", [], attributes: ["value": .tensor(x)])[0].floats(), x.floats())
        assertError(.unsupported) { try H.run("Constant", [], attributes: ["value_float": .float(1)]) }
        let c = try H.run("ConstantOfShape", [H.ints([2, 3])], attributes: ["value": .tensor(Tensor([Int32(7)], shape: [1]))])[0]
        XCTAssertEqual(c.dtype, .int32)
        XCTAssertEqual(c.ints(), Array(repeating: 7, count: 6))
        XCTAssertEqual(try H.run("ConstantOfShape", [H.ints([0])])[0].shape, [0])
        XCTAssertEqual(try H.run("ConstantOfShape", [H.ints([2])])[0].floats(), [0, 0])
    }
}

/// Hostile sizes and indices from a file end in located errors, never in a trap.
final class ShapeKernelHostileInputTests: XCTestCase {
    typealias H = ShapeHarness

    private func assertThrowsStrataError(_ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual((error as? StrataError)?.location.node, "n", "\(error)", file: file, line: line)
        }
    }

    func testHugeSizesAreErrors() {
        let x = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        let big = Int(Int64.max)
        assertThrowsStrataError { try H.run("Reshape", [x, H.ints([big, 2])]) }
        assertThrowsStrataError { try H.run("Reshape", [x, H.ints([1 << 40, 1 << 40, -1])]) }
        assertThrowsStrataError { try H.run("ConstantOfShape", [H.ints([1 << 40, 1 << 40])]) }
        assertThrowsStrataError { try H.run("ConstantOfShape", [H.ints([1 << 30, 1 << 30])]) }
        assertThrowsStrataError { try H.run("ConstantOfShape", [H.ints([1 << 50])]) }
        assertThrowsStrataError { try H.run("OneHot", [H.ints([1]), .scalar(Int64(1) << 39), Tensor([0, 1] as [Float], shape: [2])]) }
        assertThrowsStrataError { try H.run("Range", [.scalar(Float(0)), .scalar(Float(1e15)), .scalar(Float(1))]) }
        assertThrowsStrataError { try H.run("Expand", [x, H.ints([1 << 40, 1 << 40, 2, 2])]) }
        assertThrowsStrataError { try H.run("Tile", [x, H.ints([big, 2])]) }
        assertThrowsStrataError { try H.run("Pad", [x, H.ints([big, 0, big, 0])]) }
        assertThrowsStrataError { try H.run("Resize", [x, nil, Tensor([1e30, 1] as [Float], shape: [2])]) }
        assertThrowsStrataError { try H.run("Resize", [x, nil, Tensor([-1, 1] as [Float], shape: [2])]) }
        assertThrowsStrataError { try H.run("Range", [.scalar(Int64.min), .scalar(Int64.max), .scalar(Int64(1))]) }
        assertThrowsStrataError { try H.run("Split", [x, H.ints([big, 2 - big])], outputs: 2) }
        assertThrowsStrataError {
            try H.run("DepthToSpace", [Tensor(dtype: .float32, shape: [1, 4, 1, 1])], attributes: ["blocksize": .int(1 << 33)])
        }
    }

    func testExtremeSliceStepsAndTriluDiagonalsClampInsteadOfTrapping() throws {
        let x = Tensor([1, 2, 3, 4, 5] as [Float], shape: [5])
        let big = Int(Int64.max), small = Int(Int64.min)
        XCTAssertEqual(try H.run("Slice", [x, H.ints([1]), H.ints([big]), H.ints([0]), H.ints([big])])[0].floats(), [2])
        XCTAssertEqual(try H.run("Slice", [x, H.ints([big]), H.ints([small]), H.ints([0]), H.ints([small])])[0].floats(), [5])
        let m = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        XCTAssertEqual(try H.run("Trilu", [m, .scalar(Int64.max)])[0].floats(), [0, 0, 0, 0])
        XCTAssertEqual(try H.run("Trilu", [m, .scalar(Int64.min)])[0].floats(), [1, 2, 3, 4])
    }
}

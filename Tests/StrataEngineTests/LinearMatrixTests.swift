import StrataTestSupport
import XCTest
import StrataCore
@testable import StrataEngine

/// Gemm, MatMul and Einsum against direct loops over seeded random shapes.
final class LinearMatrixTests: KernelTierTestCase {
    func testRandomGemms() {
        forEachKernelTier {
            var rng = SeededGenerator(seed: 11)
            for trial in 0..<60 {
                let (m, k, n) = (rng.int(1...9), rng.int(1...9), rng.int(1...9))
                let (transA, transB) = (rng.bool(), rng.bool())
                let alpha = rng.pick([Float(1), 0.5, -2]), beta = rng.pick([Float(1), 0, 0.25])
                let a = rng.tensor(transA ? [k, m] : [m, k]), b = rng.tensor(transB ? [n, k] : [k, n])
                let cShape = rng.pick([nil, [], [n], [1, n], [m, 1], [m, n]] as [[Int]?])
                let c = cShape.map { rng.tensor($0) }
                let got = try runLinearKernel("Gemm", inputs: [a, b] + (c.map { [$0] } ?? []), attributes: [
                    "transA": .int(transA ? 1 : 0), "transB": .int(transB ? 1 : 0), "alpha": .float(alpha), "beta": .float(beta),
                ])
                let (av, bv, cv) = (a.floats(), b.floats(), c?.floats())
                var want: [Float] = []
                for i in 0..<m {
                    for j in 0..<n {
                        var s: Float = 0
                        for p in 0..<k { s += (transA ? av[p * m + i] : av[i * k + p]) * (transB ? bv[j * k + p] : bv[p * n + j]) }
                        var bias: Float = 0
                        if let cv, let cShape {
                            let padded = Array(repeating: 1, count: 2 - cShape.count) + cShape
                            bias = cv[(padded[0] == 1 ? 0 : i) * padded[1] + (padded[1] == 1 ? 0 : j)]
                        }
                        want.append(alpha * s + beta * bias)
                    }
                }
                assertClose(got[0], want, shape: [m, n], "trial \(trial)")
            }
        }
    }

    /// A classifier at batch 1 (one row times Bᵀ plus a bias row): the threaded dot-product path,
    /// with K below, at and above the vector widths; other C shapes and scalings take the BLAS path.
    func testGemmRowTimesTransposed() {
        forEachKernelTier {
            var rng = SeededGenerator(seed: 12)
            for (k, n) in [(5, 3), (37, 19), (300, 64), (1, 1)] {
                for cShape in [nil, [n], [1, n], [], [1, 1]] as [[Int]?] where cShape.map({ $0.elementCount == n || $0.elementCount == 1 }) ?? true {
                    for (transA, beta) in [(false, Float(1)), (true, 1), (false, 0.5)] {
                        let a = rng.tensor(transA ? [k, 1] : [1, k]), b = rng.tensor([n, k])
                        let c = cShape.map { rng.tensor($0) }
                        let got = try runLinearKernel("Gemm", inputs: [a, b] + (c.map { [$0] } ?? []), attributes: [
                            "transA": .int(transA ? 1 : 0), "transB": .int(1), "beta": .float(beta),
                        ])
                        let (av, bv, cv) = (a.floats(), b.floats(), c?.floats())
                        let want: [Float] = (0..<n).map { j in
                            var s: Double = 0
                            for p in 0..<k { s += Double(av[p]) * Double(bv[j * k + p]) }
                            let bias = cv.map { $0.count == 1 ? $0[0] : $0[j] } ?? 0
                            return Float(s) + beta * bias
                        }
                        assertClose(got[0], want, shape: [1, n], "k \(k) n \(n) C \(String(describing: cShape)) transA \(transA) beta \(beta)")
                    }
                }
            }
        }
    }

    func testGemmOnInt64() throws {
        let a = Tensor([1, 2, 3, 4, 5, 6] as [Int64], shape: [2, 3])
        let b = Tensor([7, 8, 9, 10, 11, 12] as [Int64], shape: [3, 2])
        let c = Tensor([100, 200] as [Int64], shape: [2])
        let y = try runLinearKernel("Gemm", inputs: [a, b, c])[0]
        XCTAssertEqual(y.dtype, .int64)
        XCTAssertEqual(y.ints(), [58 + 100, 64 + 200, 139 + 100, 154 + 200])
    }

    /// numpy matmul by definition: promote 1-D operands, broadcast batch axes, loop.
    private func referenceMatMul(_ a: Tensor, _ b: Tensor) -> (values: [Float], shape: [Int]) {
        let a2 = a.rank == 1 ? [1] + a.shape : a.shape, b2 = b.rank == 1 ? b.shape + [1] : b.shape
        let (m, k, n) = (a2[a2.count - 2], a2[a2.count - 1], b2[b2.count - 1])
        let (ab, bb) = (Array(a2.dropLast(2)), Array(b2.dropLast(2)))
        let rank = max(ab.count, bb.count)
        let pa = Array(repeating: 1, count: rank - ab.count) + ab, pb = Array(repeating: 1, count: rank - bb.count) + bb
        let batch = zip(pa, pb).map { max($0, $1) }
        let (av, bv) = (a.floats(), b.floats())
        var out: [Float] = []
        for index in linearIndices(batch) {
            var offA = 0, offB = 0
            for axis in 0..<rank {
                offA = offA * pa[axis] + (pa[axis] == 1 ? 0 : index[axis])
                offB = offB * pb[axis] + (pb[axis] == 1 ? 0 : index[axis])
            }
            for i in 0..<m {
                for j in 0..<n {
                    var s: Double = 0
                    for p in 0..<k { s += Double(av[offA * m * k + i * k + p]) * Double(bv[offB * k * n + p * n + j]) }
                    out.append(Float(s))
                }
            }
        }
        var shape = batch
        if a.rank > 1 { shape.append(m) }
        if b.rank > 1 { shape.append(n) }
        return (out, shape)
    }

    func testRandomMatMuls() {
        forEachKernelTier {
            var rng = SeededGenerator(seed: 12)
            for trial in 0..<80 {
                let (m, k, n) = (rng.int(1...6), rng.int(1...7), rng.int(1...6))
                let batch = (0..<rng.int(0...3)).map { _ in rng.int(1...3) }
                func batchShape() -> [Int] {
                    let keep = rng.int(0...batch.count)
                    return batch.suffix(keep).map { rng.int(0...3) == 0 ? 1 : $0 }
                }
                let aShape = rng.int(0...5) == 0 ? [k] : batchShape() + [m, k]
                let bShape = rng.int(0...5) == 0 ? [k] : batchShape() + [k, n]
                let a = rng.tensor(aShape), b = rng.tensor(bShape)
                let got = try runLinearKernel("MatMul", inputs: [a, b])
                let want = referenceMatMul(a, b)
                assertClose(got[0], want.values, shape: want.shape, "trial \(trial) \(aShape) × \(bShape)")
                let inferred = try inferLinearTypes("MatMul", inputs: [a.type, b.type])
                XCTAssertEqual(inferred[0].shape?.concrete, want.shape)
            }
        }
    }

    /// Products big enough for full register blocks, several K blocks and ragged column panels, and
    /// (on one thread, so in one call) 700 rows, whose slice of A in a K block is larger than an L2 cache.
    func testLargerMatMuls() {
        forEachKernelTier {
            var rng = SeededGenerator(seed: 15)
            for (aShape, bShape, threads) in [([2, 30, 300], [300, 70], 2), ([3, 1, 25, 40], [2, 40, 33], 2), ([13, 600], [600, 5], 2),
                                              ([700, 300], [300, 40], 1)] {
                let a = rng.tensor(aShape), b = rng.tensor(bShape)
                let want = referenceMatMul(a, b)
                assertClose(try runLinearKernel("MatMul", inputs: [a, b], threads: threads)[0], want.values, shape: want.shape,
                            "\(aShape) × \(bShape)")
            }
        }
    }

    func testMatMulOnInt64AndBadShapes() throws {
        let a = Tensor([1, 2, 3, 4] as [Int64], shape: [2, 2])
        let y = try runLinearKernel("MatMul", inputs: [a, Tensor([5, 6] as [Int64], shape: [2])])[0]
        XCTAssertEqual(y.shape, [2])
        XCTAssertEqual(y.ints(), [17, 39])
        XCTAssertThrowsError(try runLinearKernel("MatMul", inputs: [a, Tensor([1, 2, 3] as [Int64], shape: [3])])) { error in
            XCTAssertEqual((error as? StrataError)?.kind, .invalidInput)
        }
    }

    /// Einsum by definition: sum over every assignment of the labels of the product of the operands.
    private func referenceEinsum(_ equation: String, _ operands: [Tensor]) -> (values: [Float], shape: [Int]) {
        let parts = equation.components(separatedBy: "->")
        let terms = parts[0].split(separator: ",").map { Array($0) }
        var sizes: [Character: Int] = [:]
        for (t, term) in zip(operands, terms) { for (c, s) in zip(term, t.shape) { sizes[c] = s } }
        let output = Array(parts[1])
        let summed = sizes.keys.filter { !output.contains($0) }.sorted()
        let values = operands.map { $0.floats() }
        var out: [Float] = []
        for o in linearIndices(output.map { sizes[$0]! }) {
            var total: Double = 0
            for s in linearIndices(summed.map { sizes[$0]! }) {
                var assignment: [Character: Int] = [:]
                for (c, v) in zip(output, o) { assignment[c] = v }
                for (c, v) in zip(summed, s) { assignment[c] = v }
                var product: Double = 1
                for (i, term) in terms.enumerated() {
                    let strides = linearStrides(operands[i].shape)
                    product *= Double(values[i][zip(term, strides).reduce(0) { $0 + assignment[$1.0]! * $1.1 }])
                }
                total += product
            }
            out.append(Float(total))
        }
        return (out, output.map { sizes[$0]! })
    }

    func testEinsumEquations() {
        forEachKernelTier {
            var rng = SeededGenerator(seed: 13)
            let cases: [(String, [[Int]])] = [
                ("ij,jk->ik", [[3, 4], [4, 5]]),
                ("bij,bjk->bik", [[2, 3, 4], [2, 4, 5]]),
                ("bhqd,bhkd->bhqk", [[2, 3, 4, 5], [2, 3, 6, 5]]),
                ("ij->ji", [[3, 4]]),
                ("ii->i", [[4, 4]]),
                ("ii->", [[4, 4]]),
                ("ij->", [[3, 4]]),
                ("ij,ij->ij", [[3, 4], [3, 4]]),
                ("i,j->ij", [[3], [4]]),
                ("i,i->", [[5], [5]]),
                ("ijk,ikl,ilm->ijm", [[2, 3, 4], [2, 4, 3], [2, 3, 2]]),
                ("abc,cd->dba", [[2, 3, 4], [4, 5]]),
                ("bn,anm,bm->ba", [[2, 3], [4, 3, 5], [2, 5]]),
                ("ijj,jk->ik", [[2, 3, 3], [3, 2]]),
            ]
            for (equation, shapes) in cases {
                let operands = shapes.map { rng.tensor($0) }
                let got = try runLinearKernel("Einsum", inputs: operands, attributes: ["equation": .string(equation)])
                let want = referenceEinsum(equation, operands)
                assertClose(got[0], want.values, shape: want.shape, equation)
                let inferred = try inferLinearTypes("Einsum", inputs: operands.map(\.type), attributes: ["equation": .string(equation)])
                XCTAssertEqual(inferred[0].shape?.concrete, want.shape, equation)
            }
        }
    }

    func testEinsumImplicitOutputAndEllipsis() {
        forEachKernelTier {
            var rng = SeededGenerator(seed: 14)
            let a = rng.tensor([2, 3, 4]), b = rng.tensor([4, 5])
            // Implicit output: labels used once, sorted ("ik" here, ordered i, k).
            let implicit = try runLinearKernel("Einsum", inputs: [rng.tensor([3, 4]), rng.tensor([4, 5])],
                                               attributes: ["equation": .string("ij,jk")])
            XCTAssertEqual(implicit[0].shape, [3, 5])
            let ellipsis = try runLinearKernel("Einsum", inputs: [a, b], attributes: ["equation": .string("...ij,jk->...ik")])
            let want = try runLinearKernel("MatMul", inputs: [a, b])
            assertClose(ellipsis[0], want[0].floats(), shape: [2, 3, 5])
            let broadcast = try runLinearKernel("Einsum", inputs: [a, rng.tensor([1, 4, 2])],
                                                attributes: ["equation": .string("...ij,...jk->...ik")])
            XCTAssertEqual(broadcast[0].shape, [2, 3, 2])
            XCTAssertThrowsError(try runLinearKernel("Einsum", inputs: [a], attributes: ["equation": .string("ij->i")])) { error in
                XCTAssertNotNil(error as? StrataError)
            }
        }
    }
}

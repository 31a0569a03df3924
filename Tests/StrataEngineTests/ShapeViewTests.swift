import XCTest
import StrataCore
import StrataTestSupport
@testable import StrataEngine

/// Shape ops whose result is one contiguous block of their input return a view of it
/// (`StridedCopy.elements`); every other case copies. Values are checked against naive indexing
/// either way, and a view must stay correct once the tensor it shares is no longer referenced.
final class ShapeViewTests: XCTestCase {
    private func ramp(_ shape: [Int]) -> Tensor {
        Tensor((0..<shape.reduce(1, *)).map { Float($0) }, shape: shape)
    }

    /// Naive transpose: output axis k is input axis perm[k].
    private func transposed(_ x: Tensor, _ perm: [Int]) -> [Float] {
        let values = x.floats(), outShape = perm.map { x.shape[$0] }
        return (0..<values.count).map { i in
            let at = ShapeHarness.coordinates(i, outShape)
            var source = [Int](repeating: 0, count: x.rank)
            for (k, axis) in perm.enumerated() { source[axis] = at[k] }
            return values[ShapeHarness.flat(source, x.shape)]
        }
    }

    func testATransposeThatMovesOnlyAxesOfLengthOneSharesItsInput() throws {
        let x = ramp([1, 5, 1, 3])
        for perm in [[1, 0, 2, 3], [2, 1, 0, 3], [1, 2, 3, 0], [0, 1, 2, 3]] {
            let y = try ShapeHarness.run("Transpose", [x], attributes: ["perm": .ints(perm)])[0]
            XCTAssertEqual(y.shape, perm.map { x.shape[$0] })
            XCTAssertEqual(y.floats(), transposed(x, perm), "perm \(perm)")
            XCTAssertTrue(y.storage === x.storage, "perm \(perm) keeps the order of the long axes: a view")
        }
        for perm in [[0, 3, 2, 1], [3, 1, 2, 0]] {
            let y = try ShapeHarness.run("Transpose", [x], attributes: ["perm": .ints(perm)])[0]
            XCTAssertEqual(y.floats(), transposed(x, perm), "perm \(perm)")
            XCTAssertFalse(y.storage === x.storage, "perm \(perm) reorders the long axes: a copy")
        }
    }

    func testAGatherOfConsecutiveIndicesAlongTheLeadingAxisSharesTheBlock() throws {
        let x = ramp([3, 4, 2])
        let values = x.floats()
        // Scalar index, a run of indices (negative ones counted from the end), and a run in a 2-D index tensor.
        let cases: [(Tensor, [Int], [Int])] = [
            (Tensor([Int64(1)], shape: []), [4, 2], [1]),
            (Tensor([Int64(-2), -1], shape: [2]), [2, 4, 2], [1, 2]),
            (Tensor([Int64(0), 1, 2], shape: [1, 3]), [1, 3, 4, 2], [0, 1, 2]),
        ]
        for (indices, shape, rows) in cases {
            let y = try ShapeHarness.run("Gather", [x, indices], attributes: ["axis": .int(0)])[0]
            XCTAssertEqual(y.shape, shape)
            XCTAssertEqual(y.floats(), rows.flatMap { Array(values[($0 * 8)..<($0 * 8 + 8)]) })
            XCTAssertTrue(y.storage === x.storage, "indices \(rows): one block, a view")
        }
        // Not consecutive, or along an axis with others before it: copies.
        let apart = try ShapeHarness.run("Gather", [x, ShapeHarness.ints([2, 0])], attributes: ["axis": .int(0)])[0]
        XCTAssertEqual(apart.floats(), Array(values[16..<24]) + Array(values[0..<8]))
        XCTAssertFalse(apart.storage === x.storage)
        let inner = try ShapeHarness.run("Gather", [x, Tensor([Int64(1)], shape: [])], attributes: ["axis": .int(1)])[0]
        XCTAssertEqual(inner.shape, [3, 2])
        XCTAssertEqual(inner.floats(), [2, 3, 10, 11, 18, 19])
        XCTAssertFalse(inner.storage === x.storage)
        // With the axes before it of length 1, an inner axis is a block too.
        let y = ramp([1, 4, 3])
        let single = try ShapeHarness.run("Gather", [y, Tensor([Int64(2)], shape: [])], attributes: ["axis": .int(1)])[0]
        XCTAssertEqual(single.shape, [1, 3])
        XCTAssertEqual(single.floats(), [6, 7, 8])
        XCTAssertTrue(single.storage === y.storage)
    }

    func testSlicesAndSplitsOfWholeBlocksShareTheirInput() throws {
        let x = ramp([4, 3])
        let rows = try ShapeHarness.run("Slice", [x, ShapeHarness.ints([1]), ShapeHarness.ints([3]), ShapeHarness.ints([0])])[0]
        XCTAssertEqual(rows.shape, [2, 3])
        XCTAssertEqual(rows.floats(), [3, 4, 5, 6, 7, 8])
        XCTAssertTrue(rows.storage === x.storage)
        let columns = try ShapeHarness.run("Slice", [x, ShapeHarness.ints([1]), ShapeHarness.ints([3]), ShapeHarness.ints([1])])[0]
        XCTAssertEqual(columns.floats(), [1, 2, 4, 5, 7, 8, 10, 11])
        XCTAssertFalse(columns.storage === x.storage)
        let stepped = try ShapeHarness.run("Slice", [x, ShapeHarness.ints([0]), ShapeHarness.ints([4]), ShapeHarness.ints([0]),
                                                     ShapeHarness.ints([2])])[0]
        XCTAssertEqual(stepped.floats(), [0, 1, 2, 6, 7, 8])
        XCTAssertFalse(stepped.storage === x.storage)

        let parts = try ShapeHarness.run("Split", [x, ShapeHarness.ints([1, 3])], attributes: ["axis": .int(0)], outputs: 2)
        XCTAssertEqual(parts.map(\.shape), [[1, 3], [3, 3]])
        XCTAssertEqual(parts[0].floats(), [0, 1, 2])
        XCTAssertEqual(parts[1].floats(), [3, 4, 5, 6, 7, 8, 9, 10, 11])
        XCTAssertTrue(parts.allSatisfy { $0.storage === x.storage })
    }

    /// Views of a value the engine computed (not a constant), used after the engine dropped its own
    /// reference to that value: `x + 1` cut into three views by Gather (and one transposed by a view),
    /// each read by a later node, at one and two threads.
    func testViewsOfAComputedValueOutliveIt() throws {
        func gather(_ name: String, _ index: String) -> Node {
            Node(name: name, opType: "Gather", inputs: ["y", index], outputs: [name], attributes: ["axis": .int(0)])
        }
        let graph = Graph(
            name: "views",
            nodes: [
                Node(name: "plus", opType: "Add", inputs: ["x", "one"], outputs: ["y"]),
                gather("q", "i0"), gather("k", "i1"), gather("v", "i2"),
                Node(name: "vt", opType: "Transpose", inputs: ["v"], outputs: ["vt"], attributes: ["perm": .ints([1, 0, 2])]),
                Node(name: "qk", opType: "Mul", inputs: ["q", "k"], outputs: ["qk"]),
                Node(name: "out", opType: "Add", inputs: ["qk", "vt"], outputs: ["out"]),
            ],
            inputs: [ValueInfo(name: "x", type: ValueType(.float32, [3, 1, 2, 4]))],
            outputs: [ValueInfo(name: "out", type: ValueType(.float32, nil))],
            initializers: ["one": Tensor([1] as [Float], shape: []), "i0": Tensor([Int64(0)], shape: []),
                           "i1": Tensor([Int64(1)], shape: []), "i2": Tensor([Int64(2)], shape: [])]
        )
        let input = ramp([3, 1, 2, 4])
        let plus = input.floats().map { $0 + 1 }
        // q, k: [1, 2, 4]; vt: [2, 1, 4]; out[i, j, l] = q[0, j, l] · k[0, j, l] + v[0, i, l].
        let expected = (0..<16).map { n -> Float in
            let (i, j, l) = (n / 8, n / 4 % 2, n % 4)
            return plus[j * 4 + l] * plus[8 + j * 4 + l] + plus[16 + i * 4 + l]
        }
        for threads in [1, 2] {
            let engine = try Engine(model: Model(graph: graph, format: .onnx, path: "", layout: .nchw),
                                    options: EngineOptions(threads: threads))
            let result = try engine.run(inputs: ["x": input], tensors: ["out"])["out"]!
            XCTAssertEqual(result.shape, [2, 2, 4])
            XCTAssertEqual(result.floats(), expected, "\(threads) threads")
        }
    }
}

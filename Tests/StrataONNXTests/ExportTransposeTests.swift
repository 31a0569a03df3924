import StrataCore
import StrataTestSupport
import XCTest

/// `TransposeSinking`: the export-time rewrite that leaves channels-last graphs with the fewest transposes.
final class ExportTransposeTests: XCTestCase {
    static let toNCHW = [0, 3, 1, 2]
    static let toNHWC = [0, 2, 3, 1]

    func transpose(_ name: String, _ input: String, _ output: String, _ perm: [Int]) -> Node {
        Node(name: name, opType: "Transpose", inputs: [input], outputs: [output], attributes: ["perm": .ints(perm)])
    }

    /// NHWC x → ToNCHW → Relu → ToNHWC → Add(bias [C]) → output, as the Keras lowering writes a layer.
    func kerasStyleGraph() -> Graph {
        let bias = Tensor([1, 2, 3] as [Float], shape: [3])
        return Graph(
            nodes: [
                transpose("conv/ToNCHW", "x", "xc", Self.toNCHW),
                Node(name: "conv/Relu", opType: "Relu", inputs: ["xc"], outputs: ["rc"]),
                transpose("conv/ToNHWC", "rc", "conv", Self.toNHWC),
                Node(name: "bias/Add", opType: "Add", inputs: ["conv", "b"], outputs: ["bias"]),
            ],
            inputs: [ValueInfo(name: "x", type: ValueType(.float32, [1, 2, 2, 3]))],
            outputs: [ValueInfo(name: "bias", type: ValueType(.float32, [1, 2, 2, 3]))],
            initializers: ["b": bias],
            layers: [LayerOutput(layer: "conv", op: "Relu", output: 0, tensor: "conv"),
                     LayerOutput(layer: "bias", op: "Add", output: 0, tensor: "bias")])
    }

    func testTransposePairsAroundElementwiseOpsCancel() throws {
        let sinking = TransposeSinking(kerasStyleGraph())
        let ops = sinking.graph.nodes.map(\.opType)
        XCTAssertEqual(ops, ["Relu", "Add"])
        XCTAssertEqual(sinking.graph.nodes[0].inputs, ["x"])
        XCTAssertEqual(sinking.graph.nodes[1].outputs, ["bias"])
        // Rows keep pointing at tensors that exist, in the source's layout.
        XCTAssertEqual(sinking.rows.map(\.row.layer), ["conv", "bias"])
        XCTAssertEqual(sinking.rows[1].row.tensor, "bias")
        XCTAssertNil(sinking.rows[1].perm)
        let produced = Set(sinking.graph.nodes.flatMap(\.outputs))
        XCTAssertTrue(produced.contains(sinking.rows[0].row.tensor))
    }

    func testConstantsFollowTheLayout() throws {
        // NCHW c → ToNHWC → Mul(scale [C]) → graph output (NHWC): the Mul moves above the transpose.
        let scale = Tensor([2, 3, 5] as [Float], shape: [3])
        let graph = Graph(
            nodes: [transpose("t", "c", "h", Self.toNHWC), Node(name: "mul", opType: "Mul", inputs: ["h", "s"], outputs: ["y"])],
            inputs: [ValueInfo(name: "c", type: ValueType(.float32, [1, 3, 2, 2]))],
            outputs: [ValueInfo(name: "y", type: ValueType(.float32, [1, 2, 2, 3]))], initializers: ["s": scale])
        let sinking = TransposeSinking(graph)
        XCTAssertEqual(sinking.graph.nodes.map(\.opType), ["Mul", "Transpose"])
        XCTAssertEqual(sinking.graph.nodes[1].outputs, ["y"])
        let moved = try XCTUnwrap(sinking.graph.initializers[sinking.graph.nodes[0].inputs[1]])
        XCTAssertEqual(moved.shape, [1, 3, 1, 1])
        XCTAssertEqual(moved.floats(), [2, 3, 5])
        // The Mul's own output is now channels-first; its row says how to get back.
        XCTAssertEqual(sinking.rows.first { $0.row.layer == "mul" }?.row.tensor, "y")
    }

    func testConcatAxisFollowsThePermutation() throws {
        let graph = Graph(
            nodes: [
                transpose("t1", "a", "a2", Self.toNHWC), transpose("t2", "b", "b2", Self.toNHWC),
                Node(name: "cat", opType: "Concat", inputs: ["a2", "b2"], outputs: ["c"], attributes: ["axis": .int(-1)]),
                transpose("t3", "c", "y", Self.toNCHW),
            ],
            inputs: [ValueInfo(name: "a", type: ValueType(.float32, [1, 3, 2, 2])), ValueInfo(name: "b", type: ValueType(.float32, [1, 3, 2, 2]))],
            outputs: [ValueInfo(name: "y", type: ValueType(.float32, [1, 6, 2, 2]))],
            layers: [LayerOutput(layer: "cat", op: "Concat", output: 0, tensor: "c")])
        let sinking = TransposeSinking(graph)
        XCTAssertEqual(sinking.graph.nodes.map(\.opType), ["Concat", "Identity"])
        XCTAssertEqual(try sinking.graph.nodes[0].int("axis"), 1)
        let row = try XCTUnwrap(sinking.rows.first)
        XCTAssertEqual(row.row.tensor, sinking.graph.nodes[0].outputs[0])
        XCTAssertEqual(row.perm, Self.toNHWC)
    }

    func testTransposesWithOtherReadersStay() {
        // The transposed value also feeds a Reshape (layout-sensitive): nothing moves.
        let graph = Graph(
            nodes: [
                transpose("t", "x", "h", Self.toNHWC), Node(name: "relu", opType: "Relu", inputs: ["h"], outputs: ["r"]),
                Node(name: "flat", opType: "Flatten", inputs: ["h"], outputs: ["f"]),
            ],
            inputs: [ValueInfo(name: "x", type: ValueType(.float32, [1, 3, 2, 2]))],
            outputs: [ValueInfo(name: "r", type: ValueType(.float32, nil)), ValueInfo(name: "f", type: ValueType(.float32, nil))])
        XCTAssertEqual(TransposeSinking(graph).graph.nodes.map(\.opType), ["Transpose", "Relu", "Flatten"])
    }

    func testPermutedMatchesIndexFormula() throws {
        var generator = SeededGenerator(seed: 7)
        let shape = [2, 3, 4, 5]
        let values = (0 ..< shape.reduce(1, *)).map { _ in Float(generator.next() % 1000) }
        let tensor = Tensor(values, shape: shape)
        let perm = [0, 2, 3, 1]
        let out = try tensor.permuted(perm)
        XCTAssertEqual(out.shape, [2, 4, 5, 3])
        let got = out.floats()
        for n in 0 ..< 2 { for h in 0 ..< 4 { for w in 0 ..< 5 { for c in 0 ..< 3 {
            XCTAssertEqual(got[((n * 4 + h) * 5 + w) * 3 + c], values[((n * 3 + c) * 4 + h) * 5 + w])
        } } } }
    }
}

import XCTest
@testable import StrataCore

/// Type rules and shape-value rules of the shape ops, run through `Graph.inferTypes()`.
final class ShapeInferenceTests: XCTestCase {
    private func node(_ name: String, _ op: String, _ inputs: [String], outputs: [String]? = nil,
                      opset: Int = 17, _ attributes: [String: Attribute] = [:]) -> Node {
        Node(name: name, opType: op, opset: opset, inputs: inputs, outputs: outputs ?? [name], attributes: attributes)
    }

    private func infer(_ nodes: [Node], inputs: [String: ValueType], initializers: [String: Tensor] = [:]) -> TypeInference {
        let graph = Graph(nodes: nodes, inputs: inputs.map { ValueInfo(name: $0.key, type: $0.value) },
                          initializers: initializers)
        return graph.inferTypes()
    }

    private let batch: [String: ValueType] = ["x": ValueType(.float32, [.symbol("N"), 3, 4, 4])]

    /// The exporter pattern `Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [48]))`.
    func testShapeGatherUnsqueezeConcatReshapeChainKeepsTheSymbolicBatch() {
        let nodes = [
            node("shape", "Shape", ["x"]),
            node("gather", "Gather", ["shape", "zero"], ["axis": .int(0)]),
            node("unsqueeze", "Unsqueeze", ["gather", "axes0"]),
            node("concat", "Concat", ["unsqueeze", "c48"], ["axis": .int(0)]),
            node("reshape", "Reshape", ["x", "concat"]),
        ]
        let result = infer(nodes, inputs: batch, initializers: [
            "zero": .scalar(Int64(0)), "axes0": Tensor([Int64(0)], shape: [1]), "c48": Tensor([Int64(48)], shape: [1]),
        ])
        XCTAssertEqual(result.problems.map(\.description), [])
        XCTAssertEqual(result.types["shape"], ValueType(.int64, [4]))
        XCTAssertEqual(result.types["gather"], ValueType(.int64, []))
        XCTAssertEqual(result.types["unsqueeze"], ValueType(.int64, [1]))
        XCTAssertEqual(result.types["concat"], ValueType(.int64, [2]))
        XCTAssertEqual(result.types["reshape"], ValueType(.float32, [.symbol("N"), 48]))
    }

    /// Found by mutating the ONNX node tests: a Shape slice that is empty, broadcast against a
    /// one-element vector, indexed past its end; and shape arithmetic that overflows. The shape values
    /// are unknown then, never a trap.
    func testShapeArithmeticOnEmptyOrOverflowingVectorsIsUnknown() {
        let nodes = [
            node("shape", "Shape", ["x"], opset: 17, ["start": .int(9)]),
            node("sum", "Add", ["shape", "one"]),
            node("big", "Mul", ["huge", "two"]),
            node("quotient", "Div", ["smallest", "minusOne"]),
        ]
        let result = infer(nodes, inputs: batch, initializers: [
            "one": Tensor([Int64(1)], shape: [1]), "two": Tensor([Int64(2)], shape: [1]),
            "huge": Tensor([Int64.max], shape: [1]), "smallest": Tensor([Int64.min], shape: [1]),
            "minusOne": Tensor([Int64(-1)], shape: [1]),
        ])
        XCTAssertEqual(result.types["shape"], ValueType(.int64, [0]))
        XCTAssertEqual(result.types["sum"], ValueType(.int64, [0]))
        XCTAssertEqual(result.types["big"], ValueType(.int64, [1]))
        XCTAssertEqual(result.types["quotient"], ValueType(.int64, [1]))
    }

    func testReshapeMinusOneCancelsTheSymbolAndZeroCopies() {
        let nodes = [
            node("a", "Reshape", ["x", "t1"]),
            node("b", "Reshape", ["x", "t2"]),
            node("c", "Flatten", ["x"]),
        ]
        let result = infer(nodes, inputs: batch, initializers: [
            "t1": Tensor([Int64(-1), 48], shape: [2]), "t2": Tensor([Int64(0), 3, -1], shape: [3]),
        ])
        XCTAssertEqual(result.problems.map(\.description), [])
        XCTAssertEqual(result.types["a"]?.shape, [.symbol("N"), 48])
        XCTAssertEqual(result.types["b"]?.shape, [.symbol("N"), 3, 16])
        XCTAssertEqual(result.types["c"]?.shape, [.symbol("N"), 48])
    }

    func testReshapeWithMismatchedCountIsAProblem() {
        let result = infer([node("r", "Reshape", ["x", "t"])], inputs: ["x": ValueType(.float32, [2, 3])],
                           initializers: ["t": Tensor([Int64(4), 2], shape: [2])])
        XCTAssertEqual(result.problems.count, 1)
        XCTAssertEqual(result.problems.first?.location.node, "r")
        XCTAssertNil(result.types["r"])
    }

    func testSliceOfAShapeValueFeedsExpand() {
        // Shape(x)[2:] = [4, 4]; Concat([N], [4, 4]) via Shape(x)[:1]; Expand(y, that).
        let nodes = [
            node("shape", "Shape", ["x"]),
            node("head", "Slice", ["shape", "s0", "s1"]),
            node("tail", "Slice", ["shape", "s2", "big"]),
            node("target", "Concat", ["head", "tail"], ["axis": .int(0)]),
            node("expand", "Expand", ["y", "target"]),
        ]
        let result = infer(nodes, inputs: batch.merging(["y": ValueType(.float32, [1, 1, 4])]) { a, _ in a }, initializers: [
            "s0": Tensor([Int64(0)], shape: [1]), "s1": Tensor([Int64(1)], shape: [1]),
            "s2": Tensor([Int64(2)], shape: [1]), "big": Tensor([Int64.max], shape: [1]),
        ])
        XCTAssertEqual(result.problems.map(\.description), [])
        XCTAssertEqual(result.types["tail"]?.shape, [2])
        XCTAssertEqual(result.types["expand"]?.shape, [.symbol("N"), 4, 4])
    }

    func testResizeSizesFromAShapeComputationKeepTheBatchSymbol() {
        let nodes = [
            node("shape", "Shape", ["x"]),
            node("head", "Slice", ["shape", "s0", "s2"]),
            node("sizes", "Concat", ["head", "hw"], ["axis": .int(0)]),
            node("resize", "Resize", ["x", "", "", "sizes"]),
        ]
        let result = infer(nodes, inputs: batch, initializers: [
            "s0": Tensor([Int64(0)], shape: [1]), "s2": Tensor([Int64(2)], shape: [1]),
            "hw": Tensor([Int64(12), 10], shape: [2]),
        ])
        XCTAssertEqual(result.problems.map(\.description), [])
        XCTAssertEqual(result.types["resize"]?.shape, [.symbol("N"), 3, 12, 10])
    }

    /// Crops and resizes of axes known only at run time keep the rank and name their sizes after the
    /// input's symbols, so that a Keras `Input((None, None, C))` model can be lowered layer by layer.
    func testSlicesAndResizesOfSymbolicAxesKeepTheRank() {
        let image: [String: ValueType] = ["x": ValueType(.float32, [.symbol("N"), 3, .symbol("H"), .symbol("W")])]
        let nodes = [
            node("crop", "Slice", ["x", "starts", "ends", "axes"]),
            node("whole", "Slice", ["x", "zero", "max", "axis2"]),
            node("window", "Slice", ["x", "one", "five", "axis2"]),
            node("double", "Resize", ["crop", "", "scales2"]),
            node("half", "Resize", ["x", "", "scales05"]),
        ]
        let result = infer(nodes, inputs: image, initializers: [
            "starts": Tensor([Int64(1), 2], shape: [2]), "ends": Tensor([Int64(-2), Int64.max], shape: [2]),
            "axes": Tensor([Int64(2), 3], shape: [2]),
            "zero": Tensor([Int64(0)], shape: [1]), "max": Tensor([Int64.max], shape: [1]), "axis2": Tensor([Int64(2)], shape: [1]),
            "one": Tensor([Int64(1)], shape: [1]), "five": Tensor([Int64(5)], shape: [1]),
            "scales2": Tensor([1, 1, 2, 2] as [Float], shape: [4]), "scales05": Tensor([1, 1, 0.5, 1] as [Float], shape: [4]),
        ])
        XCTAssertEqual(result.problems.map(\.description), [])
        XCTAssertEqual(result.types["crop"]?.shape, [.symbol("N"), 3, .symbol("H-3"), .symbol("W-2")])
        XCTAssertEqual(result.types["whole"]?.shape, [.symbol("N"), 3, .symbol("H"), .symbol("W")])
        XCTAssertEqual(result.types["window"]?.shape, [.symbol("N"), 3, .symbol("window_d2"), .symbol("W")])
        XCTAssertEqual(result.types["double"]?.shape, [.symbol("N"), 3, .symbol("(H-3)*2"), .symbol("(W-2)*2")])
        XCTAssertEqual(result.types["half"]?.shape, [.symbol("N"), 3, .symbol("floor(H*0.5)"), .symbol("W")])
    }

    func testRangeUpToASymbolicDimHasThatLength() {
        let nodes = [
            node("shape", "Shape", ["x"]),
            node("n", "Gather", ["shape", "zero"]),
            node("range", "Range", ["zero", "n", "one"]),
            node("other", "Range", ["one", "n", "one"]),
        ]
        let result = infer(nodes, inputs: batch, initializers: ["zero": .scalar(Int64(0)), "one": .scalar(Int64(1))])
        XCTAssertEqual(result.problems.map(\.description), [])
        XCTAssertEqual(result.types["range"], ValueType(.int64, [.symbol("N")]))
        XCTAssertNil(result.types["other"])
    }

    /// `torch.nn.functional.pad(x, (1, 2, 0, 3))` as the TorchScript exporter writes it: the pads
    /// go through ConstantOfShape, Concat, a 2-D Reshape, a reversing Slice and a Transpose.
    func testTorchPadArithmeticGivesThePadItsShape() {
        let nodes = [
            node("zeros", "ConstantOfShape", ["four"], ["value": .tensor(Tensor([Int64(0)], shape: [1]))]),
            node("cat", "Concat", ["lrtb", "zeros"], ["axis": .int(0)]),
            node("pairs", "Reshape", ["cat", "minusOneTwo"]),
            node("reversed", "Slice", ["pairs", "minusOne", "veryNegative", "zero1", "minusOne"]),
            node("swapped", "Transpose", ["reversed"], ["perm": .ints([1, 0])]),
            node("pads", "Reshape", ["swapped", "minusOne"]),
            node("pad", "Pad", ["x", "pads"]),
        ]
        let result = infer(nodes, inputs: ["x": ValueType(.float32, [.symbol("N"), 3, 5, 7])], initializers: [
            "four": Tensor([Int64(4)], shape: [1]), "lrtb": Tensor([Int64(1), 2, 0, 3], shape: [4]),
            "minusOneTwo": Tensor([Int64(-1), 2], shape: [2]), "minusOne": Tensor([Int64(-1)], shape: [1]),
            "veryNegative": Tensor([-Int64.max], shape: [1]), "zero1": Tensor([Int64(0)], shape: [1]),
        ])
        XCTAssertEqual(result.problems.map(\.description), [])
        XCTAssertEqual(result.types["swapped"]?.shape, [2, 4])
        XCTAssertEqual(result.types["pad"]?.shape, [.symbol("N"), 3, 8, 10])
    }

    func testShapeStartEndFromOpset15() {
        let result = infer([
            node("s", "Shape", ["x"], opset: 15, ["start": .int(-3), "end": .int(-1)]),
            node("old", "Shape", ["x"], opset: 13, ["start": .int(1)]),
        ], inputs: batch)
        XCTAssertEqual(result.types["s"]?.shape, [2])
        XCTAssertEqual(result.types["old"]?.shape, [4])
    }

    func testDataMovementRules() {
        let nodes = [
            node("t", "Transpose", ["x"], ["perm": .ints([0, 2, 3, 1])]),
            node("cat", "Concat", ["x", "x"], ["axis": .int(1)]),
            node("catN", "Concat", ["x", "x"], ["axis": .int(0)]),
            node("split", "Split", ["x", "sizes"], outputs: ["a", "b"], ["axis": .int(1)]),
            node("sq", "Squeeze", ["u", "axes0"]),
            node("u", "Unsqueeze", ["x", "axes0"]),
            node("pad", "Pad", ["x", "pads"]),
            node("tile", "Tile", ["x", "reps"]),
            node("d2s", "DepthToSpace", ["z"], ["blocksize": .int(2)]),
            node("s2d", "SpaceToDepth", ["x"], ["blocksize": .int(2)]),
            node("resize", "Resize", ["x", "", "scales"]),
            node("g", "Gather", ["x", "idx"], ["axis": .int(1)]),
            node("cos", "ConstantOfShape", ["reps"]),
            node("range", "Range", ["r0", "r1", "r2"]),
        ]
        let result = infer(nodes, inputs: batch.merging(["z": ValueType(.float32, [.symbol("N"), 8, 4, 4])]) { a, _ in a },
                           initializers: [
                               "sizes": Tensor([Int64(1), 2], shape: [2]), "axes0": Tensor([Int64(0)], shape: [1]),
                               "pads": Tensor([Int64(0), 0, 1, 2, 0, 0, 1, 2], shape: [8]),
                               "reps": Tensor([Int64(1), 2, 1, 3], shape: [4]),
                               "scales": Tensor([1, 1, 2, 2.5] as [Float], shape: [4]),
                               "idx": Tensor([Int64(0), 2, -1, 1, 0, 0], shape: [2, 3]),
                               "r0": .scalar(Int64(3)), "r1": .scalar(Int64(10)), "r2": .scalar(Int64(3)),
                           ])
        XCTAssertEqual(result.problems.map(\.description), [])
        let n = Dim.symbol("N")
        XCTAssertEqual(result.types["t"]?.shape, [n, 4, 4, 3])
        XCTAssertEqual(result.types["cat"]?.shape, [n, 6, 4, 4])
        XCTAssertEqual(result.types["catN"]?.shape, [.symbol("N+N"), 3, 4, 4])
        XCTAssertEqual(result.types["a"]?.shape, [n, 1, 4, 4])
        XCTAssertEqual(result.types["b"]?.shape, [n, 2, 4, 4])
        XCTAssertEqual(result.types["u"]?.shape, [1, n, 3, 4, 4])
        XCTAssertEqual(result.types["sq"]?.shape, [n, 3, 4, 4])
        XCTAssertEqual(result.types["pad"]?.shape, [n, 3, 6, 8])
        XCTAssertEqual(result.types["tile"]?.shape, [n, 6, 4, 12])
        XCTAssertEqual(result.types["d2s"]?.shape, [n, 2, 8, 8])
        XCTAssertEqual(result.types["s2d"]?.shape, [n, 12, 2, 2])
        XCTAssertEqual(result.types["resize"]?.shape, [n, 3, 8, 10])
        XCTAssertEqual(result.types["g"]?.shape, [n, 2, 3, 4, 4])
        XCTAssertEqual(result.types["cos"], ValueType(.float32, [1, 2, 1, 3]))
        XCTAssertEqual(result.types["range"], ValueType(.int64, [3]))
    }

    func testUnknownValuesLeaveTheOutputUnknownWithoutAProblem() {
        let result = infer([node("r", "Reshape", ["x", "t"])],
                           inputs: batch.merging(["t": ValueType(.int64, [2])]) { a, _ in a })
        XCTAssertEqual(result.problems.count, 0)
        XCTAssertNil(result.types["r"])
    }

    func testBadAxesAndIndicesAreProblemsAtTheNode() {
        let result = infer([
            node("t", "Transpose", ["x"], ["perm": .ints([0, 1, 1, 2])]),
            node("s", "Squeeze", ["x", "one"]),
            node("shape", "Shape", ["x"]),
            node("g", "Gather", ["shape", "nine"]),
            node("split", "Split", ["x"], outputs: ["p", "q"], ["axis": .int(1)]),
        ], inputs: batch, initializers: ["one": Tensor([Int64(1)], shape: [1]), "nine": .scalar(Int64(9))])
        XCTAssertEqual(Set(result.problems.compactMap(\.location.node)), ["t", "s", "g", "split"])
    }

    func testSliceRulesClampLikeONNX() {
        XCTAssertEqual(SliceSpec.resolve(dim: 10, start: -3, end: Int.max, step: 1).count, 3)
        XCTAssertEqual(SliceSpec.resolve(dim: 10, start: Int.max, end: Int.min, step: -1).count, 10)
        XCTAssertEqual(SliceSpec.resolve(dim: 10, start: -1, end: -11, step: -3).count, 4)
        XCTAssertEqual(SliceSpec.resolve(dim: 10, start: 5, end: 2, step: 1).count, 0)
        XCTAssertEqual(SliceSpec.resolve(dim: 0, start: 0, end: -1, step: -1).count, 0)
    }
}

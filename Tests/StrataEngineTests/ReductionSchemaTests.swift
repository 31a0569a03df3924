import StrataCore
import XCTest

/// The type rules of the reduction, normalisation and recurrent families, with symbolic dims.
final class ReductionSchemaTests: XCTestCase {
    private func infer(_ op: String, _ types: [ValueType?], constants: [Tensor?] = [], attributes: [String: Attribute] = [:],
                       opset: Int = 21, outputs: Int = 1) throws -> [ValueType] {
        let node = Node(name: "n", opType: op, opset: opset, inputs: types.indices.map { types[$0] == nil ? "" : "in\($0)" },
                        outputs: (0..<outputs).map { "out\($0)" }, attributes: attributes)
        let schema = try XCTUnwrap(OpRegistry.schema(op), op)
        XCTAssertTrue(schema.opsets.contains(opset), "\(op) opset \(opset)")
        return try schema.infer(InferenceContext(node: node, inputTypes: types, constants: constants))
    }

    let image = ValueType(.float32, [.symbol("N"), 3, 8, 8])

    func testReduceShapes() throws {
        let axes = Tensor([Int64](arrayLiteral: 1, -1), shape: [2])
        XCTAssertEqual(try infer("ReduceSum", [image, ValueType(.int64, [2])], constants: [nil, axes], opset: 13),
                       [ValueType(.float32, [.symbol("N"), 1, 8, 1])])
        XCTAssertEqual(try infer("ReduceMean", [image], attributes: ["axes": .ints([1, 2, 3]), "keepdims": .int(0)], opset: 11),
                       [ValueType(.float32, [.symbol("N")])])
        XCTAssertEqual(try infer("ReduceMax", [image], attributes: ["keepdims": .int(0)], opset: 18), [ValueType(.float32, [])])
        XCTAssertEqual(try infer("ReduceL2", [image], attributes: ["noop_with_empty_axes": .int(1)], opset: 18), [image])
        // Axes computed at run time: the shape is not known before.
        XCTAssertThrowsError(try infer("ReduceSum", [image, ValueType(.int64, [1])], opset: 13)) {
            XCTAssertTrue($0 is InferenceContext.Unknown)
        }
        XCTAssertThrowsError(try infer("ReduceSum", [image], attributes: ["axes": .ints([4])], opset: 11)) {
            XCTAssertTrue($0 is StrataError)
        }
    }

    func testAxisOps() throws {
        XCTAssertEqual(try infer("Softmax", [image], attributes: ["axis": .int(1)]), [image])
        XCTAssertThrowsError(try infer("LogSoftmax", [image], attributes: ["axis": .int(4)]))
        XCTAssertEqual(try infer("ArgMax", [image], attributes: ["axis": .int(1), "keepdims": .int(0)]),
                       [ValueType(.int64, [.symbol("N"), 8, 8])])
        XCTAssertEqual(try infer("ArgMin", [image], attributes: ["axis": .int(-1)]), [ValueType(.int64, [.symbol("N"), 3, 8, 1])])
        XCTAssertEqual(try infer("CumSum", [image, ValueType(.int32, [])]), [image])
        XCTAssertEqual(try infer("TopK", [image, ValueType(.int64, [1])], constants: [nil, Tensor([Int64(5)], shape: [1])],
                                 attributes: ["axis": .int(2)], outputs: 2),
                       [ValueType(.float32, [.symbol("N"), 3, 5, 8]), ValueType(.int64, [.symbol("N"), 3, 5, 8])])
        XCTAssertEqual(try infer("TopK", [image], attributes: ["k": .int(2)], opset: 1, outputs: 2)[1],
                       ValueType(.int64, [.symbol("N"), 3, 8, 2]))
        XCTAssertThrowsError(try infer("TopK", [image], attributes: ["k": .int(9)], opset: 1, outputs: 2))
    }

    func testNormalizationShapes() throws {
        let channel = ValueType(.float32, [3])
        XCTAssertEqual(try infer("BatchNormalization", [image, channel, channel, channel, channel]), [image])
        XCTAssertEqual(try infer("InstanceNormalization", [image, channel, channel]), [image])
        XCTAssertEqual(try infer("LpNormalization", [image]), [image])
        XCTAssertEqual(try infer("LRN", [image], attributes: ["size": .int(3)]), [image])
        XCTAssertThrowsError(try infer("LRN", [image]))
        let layer = try infer("LayerNormalization", [image, ValueType(.float32, [8, 8])], attributes: ["axis": .int(2)],
                              opset: 17, outputs: 3)
        XCTAssertEqual(layer, [image, ValueType(.float32, [.symbol("N"), 3, 1, 1]), ValueType(.float32, [.symbol("N"), 3, 1, 1])])
        let half = ValueType(.float16, [2, 4])
        XCTAssertEqual(try infer("LayerNormalization", [half, ValueType(.float16, [4])], opset: 17, outputs: 2)[1],
                       ValueType(.float32, [2, 1]))
    }

    func testRecurrentShapes() throws {
        let x = ValueType(.float32, [.symbol("T"), .symbol("B"), 10])
        let w = ValueType(.float32, [2, 80, 10]), r = ValueType(.float32, [2, 80, 20])
        XCTAssertEqual(try infer("LSTM", [x, w, r], attributes: ["direction": .string("bidirectional"), "hidden_size": .int(20)],
                                 outputs: 3),
                       [ValueType(.float32, [.symbol("T"), 2, .symbol("B"), 20]), ValueType(.float32, [2, .symbol("B"), 20]),
                        ValueType(.float32, [2, .symbol("B"), 20])])
        let xBatchFirst = ValueType(.float32, [.symbol("B"), .symbol("T"), 10])
        let batchFirst = try infer("GRU", [xBatchFirst, ValueType(.float32, [1, 60, 10]), ValueType(.float32, [1, 60, 20])],
                                   attributes: ["layout": .int(1)], outputs: 2)
        XCTAssertEqual(batchFirst, [ValueType(.float32, [.symbol("B"), .symbol("T"), 1, 20]), ValueType(.float32, [.symbol("B"), 1, 20])])
        XCTAssertThrowsError(try infer("RNN", [x, w, r], attributes: ["direction": .string("both")]))
    }
}

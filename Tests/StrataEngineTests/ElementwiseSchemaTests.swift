import StrataCore
@testable import StrataEngine
import XCTest

/// Type rules and shape-value rules of the elementwise schemas.
final class ElementwiseSchemaTests: XCTestCase {
    func testBroadcastingOfSymbolicShapes() throws {
        XCTAssertEqual(try Broadcasting.shape([[.symbol("N"), 3, 1], [4]]), [.symbol("N"), 3, 4])
        XCTAssertEqual(try Broadcasting.shape([[.symbol("N"), 1], [1, .symbol("M")]]), [.symbol("N"), .symbol("M")])
        XCTAssertEqual(try Broadcasting.shape([[.symbol("N")], [5]]), [5])
        XCTAssertEqual(try Broadcasting.shape([[], [2, 2]] as [[Dim]]), [2, 2])
        XCTAssertThrowsError(try Broadcasting.shape([[.symbol("N")], [.symbol("M")]])) { error in
            XCTAssertTrue(error is InferenceContext.Unknown)
        }
        XCTAssertThrowsError(try Broadcasting.shape([[2, 3], [4]] as [[Dim]])) { error in
            XCTAssertEqual((error as? StrataError)?.message, "shapes [2, 3] and [4] cannot be broadcast together")
        }
    }

    func testGraphInferenceThroughElementwiseOps() {
        let graph = Graph(
            nodes: [
                Node(name: "add", opType: "Add", inputs: ["x", "b"], outputs: ["y"]),
                Node(name: "less", opType: "Less", inputs: ["y", "b"], outputs: ["m"]),
                Node(name: "where", opType: "Where", inputs: ["m", "y", "b"], outputs: ["w"]),
                Node(name: "cast", opType: "Cast", inputs: ["w"], outputs: ["c"], attributes: ["to": .int(7)]),
                Node(name: "like", opType: "CastLike", inputs: ["c", "x"], outputs: ["l"]),
                Node(name: "drop", opType: "Dropout", opset: 9, inputs: ["l"], outputs: ["d", "mask"]),
                Node(name: "sum", opType: "Sum", inputs: ["x", "b", "d"], outputs: ["s"]),
                Node(name: "bad", opType: "Mul", inputs: ["x", "odd"], outputs: ["z"]),
            ],
            inputs: [ValueInfo(name: "x", type: ValueType(.float32, [.symbol("N"), 3, 1]))],
            initializers: ["b": Tensor([1, 2, 3, 4] as [Float], shape: [4]), "odd": Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])]
        )
        let inferred = graph.inferTypes()
        XCTAssertEqual(inferred.types["y"], ValueType(.float32, [.symbol("N"), 3, 4]))
        XCTAssertEqual(inferred.types["m"], ValueType(.bool, [.symbol("N"), 3, 4]))
        XCTAssertEqual(inferred.types["w"], ValueType(.float32, [.symbol("N"), 3, 4]))
        XCTAssertEqual(inferred.types["c"], ValueType(.int64, [.symbol("N"), 3, 4]))
        XCTAssertEqual(inferred.types["l"], ValueType(.float32, [.symbol("N"), 3, 4]))
        XCTAssertEqual(inferred.types["mask"], ValueType(.float32, [.symbol("N"), 3, 4]))
        XCTAssertEqual(inferred.types["s"], ValueType(.float32, [.symbol("N"), 3, 4]))
        XCTAssertNil(inferred.types["z"])
        XCTAssertEqual(inferred.problems.map(\.description), ["node 'bad' (Mul): shapes [N, 3, 1] and [2, 2] cannot be broadcast together"])
    }

    func testShapeValuesOfIntegerArithmetic() throws {
        let shape = Tensor([2, 3, 4] as [Int64], shape: [3])
        func value(_ op: String, _ a: Tensor, _ b: Tensor) throws -> [Dim]? {
            let node = Node(name: "n", opType: op, inputs: ["a", "b"], outputs: ["y"])
            let context = InferenceContext(node: node, inputTypes: [a.type, b.type], constants: [a, b])
            return try OpRegistry.schema(op)?.shapeValue?(context)
        }
        XCTAssertEqual(try value("Mul", shape, .scalar(Int64(2))), [4, 6, 8])
        XCTAssertEqual(try value("Add", shape, Tensor([1, 1, 1] as [Int64], shape: [3])), [3, 4, 5])
        XCTAssertEqual(try value("Div", shape, .scalar(Int64(2))), [1, 1, 2])
        XCTAssertNil(try value("Div", shape, .scalar(Int64(0))))
        XCTAssertNil(try value("Mul", shape.converted(to: .float32), .scalar(Float(2))))

        let symbolic = InferenceContext(node: Node(name: "n", opType: "Identity", inputs: ["a"], outputs: ["y"]),
                                        inputTypes: [ValueType(.int64, [2])], shapeValues: [[.symbol("N"), 3]])
        XCTAssertEqual(try OpRegistry.schema("Identity")?.shapeValue?(symbolic), [.symbol("N"), 3])
        let castNode = Node(name: "n", opType: "Cast", inputs: ["a"], outputs: ["y"], attributes: ["to": .int(6)])
        let cast = InferenceContext(node: castNode, inputTypes: [ValueType(.int64, [2])], shapeValues: [[.symbol("N"), 3]])
        XCTAssertEqual(try OpRegistry.schema("Cast")?.shapeValue?(cast), [.symbol("N"), 3])
    }
}

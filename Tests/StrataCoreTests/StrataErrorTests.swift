import XCTest
import StrataCore

final class StrataErrorTests: XCTestCase {
    func testFullLocationReadsFileNodeDetail() {
        let error = StrataError(.invalidModel, "expected ints, found string",
                                at: ErrorLocation(node: "conv1", opType: "Conv", detail: "attribute 'kernel_shape'"))
            .inFile("resnet50.onnx")
        XCTAssertEqual(error.description,
                       "resnet50.onnx: node 'conv1' (Conv), attribute 'kernel_shape': expected ints, found string")
    }

    func testInnerLocationWinsOverOuter() {
        let error = StrataError(.invalidInput, "bad", at: ErrorLocation(node: "inner"))
            .located(ErrorLocation(file: "m.onnx", node: "outer", opType: "Relu"))
        XCTAssertEqual(error.description, "m.onnx: node 'inner' (Relu): bad")
    }

    func testMessageAloneWithoutLocation() {
        XCTAssertEqual(StrataError(.io, "cannot open").description, "cannot open")
        XCTAssertEqual(StrataError(.io, "cannot open").inFile("x.onnx").description, "x.onnx: cannot open")
    }

    func testAttributeGetterNamesNodeAndAttribute() {
        let node = Node(name: "c", opType: "Conv", inputs: ["x"], outputs: ["y"], attributes: ["group": .string("2")])
        XCTAssertThrowsError(try node.int("group")) { error in
            XCTAssertEqual(String(describing: error), "node 'c' (Conv), attribute 'group': expected int, found string")
        }
        XCTAssertThrowsError(try node.requiredInt("axis")) { error in
            XCTAssertEqual(String(describing: error), "node 'c' (Conv), attribute 'axis': required attribute is missing")
        }
    }
}

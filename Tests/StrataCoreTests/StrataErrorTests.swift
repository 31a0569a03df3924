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

    /// Names from files may hold newlines and terminal escapes; the error stays one printable line.
    func testControlCharactersFromFilesAreEscaped() {
        let error = StrataError(.invalidModel, "weight 'k\u{0}' is missing", at: ErrorLocation(node: "conv\n1", opType: "Conv"))
            .inFile("evil\u{1B}[2J.onnx")
        XCTAssertEqual(error.description, "evil\\u{1B}[2J.onnx: node 'conv\\n1' (Conv): weight 'k\\u{0}' is missing")
        XCTAssertFalse(error.description.contains("\n"))
        XCTAssertEqual(StrataError(.io, "tab\there, ok").description, "tab\\there, ok")
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

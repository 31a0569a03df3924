import StrataCore
import StrataONNX
import XCTest

/// Initializer and Constant values in every encoding ONNX allows, against what the fixture script wrote.
final class TensorFormTests: XCTestCase {
    func testEveryTensorProtoForm() throws {
        let model = try Fixtures.load("tensor-forms.onnx")
        let expected = try XCTUnwrap(Fixtures.expected["tensor-forms.onnx"])
        XCTAssertEqual(Set(model.graph.initializers.keys), Set(expected.keys))
        for (name, tensor) in expected {
            assertTensor(model.graph.initializers[name], equals: tensor, name)
        }
        // Every dtype appears both as raw_data and in its typed field.
        let dtypes = Set(expected.values.map(\.dtype))
        XCTAssertEqual(dtypes, Set(DType.allCases.map(\.rawValue)))
    }

    func testExternalDataInsideTheModelFolder() throws {
        let model = try Fixtures.load("external/good.onnx")
        let expected = try XCTUnwrap(Fixtures.expected["external/good.onnx"])
        XCTAssertEqual(model.graph.initializers.count, 3)
        for (name, tensor) in expected {
            assertTensor(model.graph.initializers[name], equals: tensor, name)
        }
    }

    func testConstantShorthandsBecomeValueTensors() throws {
        let model = try Fixtures.load("constant-forms.onnx")
        let expected = try XCTUnwrap(Fixtures.expected["constant-forms.onnx"])
        XCTAssertEqual(model.graph.nodes.count, expected.count)
        for node in model.graph.nodes {
            XCTAssertEqual(Array(node.attributes.keys), ["value"], node.name)
            assertTensor(try node.tensor("value"), equals: expected[node.outputs[0]], node.name)
        }
    }

    func testWeightsOutliveTheImporter() throws {
        // Borrowed bytes stay valid after the model value is the only thing left holding them.
        var tensor: Tensor?
        do {
            let model = try Fixtures.load("tensor-forms.onnx")
            tensor = model.graph.initializers["raw_float64"]
        }
        assertTensor(tensor, equals: Fixtures.expected["tensor-forms.onnx"]?["raw_float64"], "raw_float64")
    }
}

import StrataCore
import XCTest
@testable import StrataKeras

/// keras.applications' own classes are lowered by name; a user class of the same name is refused when the
/// file says where the class comes from.
final class KerasApplicationClassesTests: XCTestCase {
    private func layer(_ entry: String) throws -> KerasLayerSpec {
        let text = """
            {"class_name": "Functional", "config": {"name": "m", "layers": [
              {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [null, 4], "dtype": "float32", "name": "x"}, "inbound_nodes": []},
              \(entry)],
             "input_layers": ["x", 0, 0], "output_layers": ["s", 0, 0]}}
            """
        let spec = try KerasModelSpec.parse(try XCTUnwrap(KerasJSON.parse(text)), file: "m.json")
        return spec.layers[1]
    }

    private func entry(_ origin: String) -> String {
        """
        {\(origin) "class_name": "LayerScale", "name": "s", "config": {"name": "s", "init_values": 0.1, "projection_dim": 4},
         "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 4], "dtype": "float32",
           "keras_history": ["x", 0, 0]}}], "kwargs": {}}]}
        """
    }

    func testKerasModulesAndLegacyEntriesAreKeras() throws {
        XCTAssertNil(KerasLayerTable.userDefinedOrigin(of: try layer(entry(""))))
        XCTAssertNil(KerasLayerTable.userDefinedOrigin(of: try layer(entry(
            #""module": "keras.src.applications.convnext", "registered_name": "LayerScale","#))))
        // tf_keras registers InceptionResNetV2's class under its default package; the module still says Keras.
        XCTAssertNil(KerasLayerTable.userDefinedOrigin(of: try layer(entry(
            #""module": "tf_keras.src.applications.convnext", "registered_name": "Custom>LayerScale","#))))
        XCTAssertNotNil(KerasLayerTable.lowerings["LayerScale"])
        XCTAssertNotNil(KerasLayerTable.lowerings["Custom>CustomScaleLayer"])
    }

    func testUserClassesUnderKerasNamesAreRefused() throws {
        let script = KerasLayerTable.userDefinedOrigin(of: try layer(entry(#""module": null, "registered_name": "LayerScale","#)))
        XCTAssertEqual(script, "defined in the script that saved the model")
        let package = KerasLayerTable.userDefinedOrigin(of: try layer(entry(#""module": "my_models.blocks", "registered_name": "LayerScale","#)))
        XCTAssertEqual(package, "defined in module 'my_models.blocks'")
        let registered = KerasLayerTable.userDefinedOrigin(of: try layer(entry(#""registered_name": "MyPackage>LayerScale","#)))
        XCTAssertEqual(registered, "registered as 'MyPackage>LayerScale'")
        // A module named like Keras but outside it is not Keras.
        XCTAssertNotNil(KerasLayerTable.userDefinedOrigin(of: try layer(entry(#""module": "keras_extras.layers","#))))
    }
}

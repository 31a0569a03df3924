import Foundation
import StrataCore
import XCTest
@testable import StrataCommands
@testable import StrataKeras

/// Bad Keras files give one exact line each (the error fixtures come from Tools/keras/make-fixtures.py).
final class KerasErrorTests: XCTestCase {
    static let errors = KerasFixtureTests.fixtures + "/errors"

    func message(_ path: String, config: String? = nil) -> String? {
        do {
            _ = try ModelLoader.load(path, config: config)
            XCTFail("\(path) loaded")
            return nil
        } catch let error as StrataError {
            return error.description
        } catch {
            XCTFail("\(path) threw \(error)")
            return nil
        }
    }

    func testMessagesWordForWord() {
        let e = Self.errors
        let cases: [(String, String?, String)] = [
            ("\(e)/not-hdf5.h5", nil, "\(e)/not-hdf5.h5: not an HDF5 file"),
            ("\(e)/not-keras.h5", nil,
             "\(e)/not-keras.h5: HDF5 file is not a Keras model (no 'model_config' attribute and no layer weights)"),
            ("\(e)/truncated.k3.keras", nil, "\(e)/truncated.k3.keras: not a readable .keras archive (truncated or not a zip file)"),
            ("\(e)/misshaped.k3w.weights.h5", nil,
             "\(e)/misshaped.k3w.weights.h5: weights-only Keras file (no model architecture inside); pass the model JSON with --config FILE.json"),
            ("\(e)/misshaped.k2w.h5", nil,
             "\(e)/misshaped.k2w.h5: weights-only Keras file (no model architecture inside); pass the model JSON with --config FILE.json"),
            ("\(e)/misshaped.k3w.weights.h5", "\(e)/misshaped.k3w.json",
             "\(e)/misshaped.k3w.weights.h5: node 'hidden' (Dense): weight 'kernel' has shape [5, 3] but the layer config needs [4, 3]"),
            ("\(e)/misshaped.k2w.h5", "\(e)/misshaped.k2w.json",
             "\(e)/misshaped.k2w.h5: node 'hidden' (Dense): weight 'kernel' has shape [5, 3] but the layer config needs [4, 3]"),
            ("\(e)/lambda.k3.keras", nil,
             "\(e)/lambda.k3.keras: node 'times_two' (Lambda): layer class 'Lambda' runs Python code stored in the model; Strata never runs code from a model file"),
            ("\(e)/lambda.k2.h5", nil,
             "\(e)/lambda.k2.h5: node 'times_two' (Lambda): layer class 'Lambda' runs Python code stored in the model; Strata never runs code from a model file"),
            ("\(e)/custom.k2.h5", nil,
             "\(e)/custom.k2.h5: node 'scaled' (StrataFixtures>ScaledDense): layer class 'StrataFixtures>ScaledDense' is not supported (custom or unknown class)"),
        ]
        for (path, config, expected) in cases {
            XCTAssertEqual(message(path, config: config), expected)
        }
    }

    func testConfigOptionIsOnlyForKerasFiles() throws {
        let onnx = KerasFixtureTests.fixtures + "/../onnx/tiny-cnn.onnx"
        XCTAssertEqual(message(onnx, config: "x.json"), "\(onnx): --config 'x.json' applies only to Keras files")
    }
}

import Foundation
import XCTest
@testable import StrataCommands
@testable import StrataKeras

/// Keras 2 op layers (`TFOpLambda`, `SlicingOpLambda`) against the committed tensor-expression fixtures,
/// and the refusal of a TensorFlow function outside the table.
final class OpsLayerTests: XCTestCase {
    func testTFOpLambdaFixturesMatchKeras() throws {
        let fixtures = RecurrentLayerTests.fixtureHelper()
        let files = KerasFixtureTests.files("tensor_ops").filter { $0.path.contains(".k2") }
        XCTAssertEqual(files.count, 3)
        for (path, config) in files {
            XCTAssertGreaterThan(try fixtures.compare(path, config: config), 10, path)
        }
    }

    func testUnknownTensorFlowFunctionIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-ops-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try String(contentsOfFile: KerasFixtureTests.fixtures + "/tensor_ops.k2w.json", encoding: .utf8)
        XCTAssertTrue(source.contains("\"function\": \"nn.relu\""))
        let config = folder.appendingPathComponent("model.json").path
        try source.replacingOccurrences(of: "\"function\": \"nn.relu\"", with: "\"function\": \"nn.crelu\"")
            .write(toFile: config, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ModelLoader.load(KerasFixtureTests.fixtures + "/tensor_ops.k2w.h5", config: config)) { error in
            XCTAssertTrue("\(error)".contains("layer class 'TFOpLambda' with function 'nn.crelu' is not supported"), "\(error)")
        }
    }
}

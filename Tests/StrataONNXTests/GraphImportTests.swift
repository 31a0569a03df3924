import Foundation
import StrataCore
import StrataONNX
import XCTest

/// Graph structure, names, value types and model properties of imported fixtures.
final class GraphImportTests: XCTestCase {
    func testNodeNamesAreUniqueAndNeverEmpty() throws {
        let model = try Fixtures.load("hostile-names.onnx")
        XCTAssertEqual(model.graph.nodes.map(\.name),
                       ["/", "..", "quo\"te's", "ünï/cødé ✓", "../t4", "dup", "dup_1", "dup_2", "8-Identity"])
        XCTAssertEqual(model.graph.nodes.map { $0.source?.name },
                       ["/", "..", "quo\"te's", "ünï/cødé ✓", "", "dup", "dup", "dup", ""])
        XCTAssertEqual(model.graph.nodes[4].outputs, ["../t4"])
        XCTAssertEqual(model.graph.nodes[8].outputs, [""])
        XCTAssertNoThrow(try model.graph.topologicalOrder())
    }

    func testValueTypesAndModelProperties() throws {
        let model = try Fixtures.load("value-types.onnx")
        XCTAssertEqual(model.format, .onnx)
        XCTAssertEqual(model.layout, .nchw)
        XCTAssertEqual(model.irVersion, 8)
        XCTAssertEqual(model.opsetImports, ["": 17])
        XCTAssertEqual(model.producer, "strata-fixtures")
        XCTAssertEqual(model.producerVersion, "1.0")
        XCTAssertEqual(model.metadata, ["author": "Strata", "note": "ünï"])
        XCTAssertEqual(model.path, Fixtures.path("value-types.onnx"))

        let graph = model.graph
        XCTAssertEqual(graph.name, "value_types")
        XCTAssertEqual(graph.inputs, [
            ValueInfo(name: "x", type: ValueType(.float32, [.symbol("N"), 3, .symbol("?"), 5])),
            ValueInfo(name: "y", type: ValueType(.int64, nil)),
        ])
        XCTAssertEqual(graph.runtimeInputs.map(\.name), ["x"])
        XCTAssertEqual(graph.outputs, [ValueInfo(name: "x_out", type: ValueType(.float32, [.symbol("N"), 3, .symbol("?"), 5]))])
        XCTAssertEqual(graph.valueTypes, ["mid": ValueType(.float32, [.symbol("N"), 3, 7, 5])])
        XCTAssertEqual(graph.initializers["y"]?.ints(), [4, 5])
        XCTAssertEqual(graph.nodes.map(\.name), ["first", "x_out"])
        XCTAssertEqual(graph.nodes.map(\.opset), [17, 17])
        XCTAssertEqual(graph.nodes.map(\.domain), ["", ""])
        XCTAssertEqual(graph.nodes[1].source, SourceInfo(name: "", type: "Identity"))
    }

    func testTinyCNN() throws {
        let model = try Fixtures.load("tiny-cnn.onnx")
        let graph = model.graph
        XCTAssertEqual(graph.nodes.map(\.opType), [
            "Conv", "BatchNormalization", "Relu", "MaxPool", "Conv", "Add", "GlobalAveragePool", "Flatten", "Gemm", "Softmax",
        ])
        XCTAssertEqual(graph.nodes.map(\.name),
                       ["conv1", "bn1", "relu1", "pool1", "conv2", "residual", "gap", "flatten", "fc", "softmax"])
        XCTAssertEqual(graph.runtimeInputs, [ValueInfo(name: "input", type: ValueType(.float32, [.symbol("N"), 3, 32, 32]))])
        XCTAssertEqual(graph.outputs.map(\.name), ["probabilities"])
        XCTAssertEqual(graph.initializers["conv1.weight"]?.shape, [8, 3, 3, 3])
        XCTAssertEqual(graph.initializers["fc.weight"]?.shape, [10, 8])
        XCTAssertEqual(try graph.nodes[0].ints("pads"), [1, 1, 1, 1])
        XCTAssertEqual(try graph.nodes[8].int("transB"), 1)
        XCTAssertEqual(try graph.nodes[1].float("epsilon"), 1e-5)

        // The reference activations name exactly the imported nodes and their outputs.
        let manifestURL = Fixtures.folder.appendingPathComponent("tiny-cnn.reference/manifest.json")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any]
        let rows = try XCTUnwrap(manifest?["outputs"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["node"] as? String }, graph.captureTable.map(\.layer))
        XCTAssertEqual(rows.map { $0["tensor"] as? String }, graph.captureTable.map(\.tensor))
        for row in rows {
            let file = Fixtures.folder.appendingPathComponent("tiny-cnn.reference").appendingPathComponent(row["file"] as! String)
            XCTAssertTrue(FileManager.default.fileExists(atPath: file.path), file.path)
        }
    }

    /// One source-table row per node: its name, op, registry category, initializer elements and the
    /// nodes or inputs feeding it (values from the onnx package reading the same file).
    func testSourceLayersOfTinyCNN() throws {
        let rows = try Fixtures.load("tiny-cnn.onnx").sourceLayers
        XCTAssertEqual(rows.map(\.path), [["conv1"], ["bn1"], ["relu1"], ["pool1"], ["conv2"], ["residual"], ["gap"], ["flatten"], ["fc"], ["softmax"]])
        XCTAssertEqual(rows.map(\.className), ["Conv", "BatchNormalization", "Relu", "MaxPool", "Conv", "Add", "GlobalAveragePool", "Flatten", "Gemm", "Softmax"])
        XCTAssertEqual(rows.map(\.parameters), [224, 32, 0, 0, 584, 0, 0, 0, 90, 0])
        XCTAssertEqual(rows.map(\.connectedTo), [["input"], ["conv1"], ["bn1"], ["relu1"], ["pool1"], ["pool1", "conv2"], ["residual"], ["gap"], ["flatten"], ["fc"]])
        XCTAssertEqual(rows.map(\.category), [.convolution, .normalization, .activation, .pooling, .convolution, .elementwise, .pooling, .reshape, .dense, .activation])
        XCTAssertFalse(rows.contains { $0.isModel })
    }

    func testLoadFromDataMatchesLoadFromPath() throws {
        let path = Fixtures.path("tensor-forms.onnx")
        let fromData = try ONNXImporter.load(data: Data(contentsOf: URL(fileURLWithPath: path)), path: path)
        let fromPath = try ONNXImporter.load(path: path)
        XCTAssertEqual(fromData.graph.initializers.count, fromPath.graph.initializers.count)
        for (name, tensor) in fromPath.graph.initializers {
            XCTAssertEqual(fromData.graph.initializers[name]?.floats(), tensor.floats(), name)
        }
    }
}

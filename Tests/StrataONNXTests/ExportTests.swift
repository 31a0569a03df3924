import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataONNX

final class ExportTests: XCTestCase {
    var scratch: String!

    override func setUpWithError() throws {
        scratch = try makeScratchFolder(prefix: "strata-export")
    }

    /// Exports `model` and reads the bytes back with Strata's importer.
    func roundTrip(_ model: Model, _ options: ExportOptions = ExportOptions()) throws -> Model {
        let encoded = try ONNXExporter.encode(model, options: options)
        XCTAssertNil(encoded.externalData)
        return try ONNXImporter.load(data: encoded.model, path: scratch + "/m.onnx")
    }

    /// A one-input model around `nodes`, x: float32 [2, 3, 4].
    func model(_ nodes: [Node], output: String, initializers: [String: Tensor] = [:]) -> Model {
        let graph = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x", type: ValueType(.float32, [2, 3, 4]))],
                          outputs: [ValueInfo(name: output, type: ValueType(.float32, nil))], initializers: initializers)
        return Model(graph: graph, format: .onnx, path: "test.onnx", layout: .nchw)
    }

    func testTinyCNNRoundTripKeepsNodesWeightsAndOpset() throws {
        let source = try Fixtures.load("tiny-cnn.onnx")
        for opset in [13, 17, 21] {
            let back = try roundTrip(source, ExportOptions(opset: opset))
            XCTAssertEqual(back.opsetImports[""], opset)
            XCTAssertEqual(back.irVersion, ONNXExporter.irVersion(forOpset: opset))
            XCTAssertEqual(back.producer, "strata")
            XCTAssertEqual(back.graph.nodes.map(\.name), source.graph.nodes.map(\.name))
            XCTAssertEqual(back.graph.nodes.map(\.opType), source.graph.nodes.map(\.opType))
            XCTAssertEqual(back.graph.inputs, source.graph.inputs)
            XCTAssertEqual(back.graph.outputs.map(\.name), source.graph.outputs.map(\.name))
            XCTAssertEqual(Set(back.graph.initializers.keys), Set(source.graph.initializers.keys))
            for (name, tensor) in source.graph.initializers {
                let copy = try XCTUnwrap(back.graph.initializers[name])
                XCTAssertEqual(copy.shape, tensor.shape, name)
                XCTAssertEqual(copy.floats(), tensor.floats(), name)
            }
            let layers = try XCTUnwrap(back.metadata[ONNXExporter.layersMetadataKey])
            XCTAssertEqual(ONNXExporter.parseLayers(layers)?.map(\.row.tensor), source.graph.captureTable.map(\.tensor))
        }
    }

    func testUnusedInitializersAreDropped() throws {
        var source = try Fixtures.load("tiny-cnn.onnx")
        source.graph.initializers["unused"] = Tensor([1, 2, 3] as [Float], shape: [3])
        XCTAssertNil(try roundTrip(source).graph.initializers["unused"])
    }

    func testAxesMoveBetweenAttributeAndInputWithTheOpset() throws {
        let nodes = [
            Node(name: "mean", opType: "ReduceMean", inputs: ["x", "axes"], outputs: ["m"], attributes: ["keepdims": .int(1)]),
            Node(name: "squeeze", opType: "Squeeze", opset: 11, inputs: ["m"], outputs: ["s"], attributes: ["axes": .ints([1])]),
        ]
        let source = model(nodes, output: "s", initializers: ["axes": Tensor([1] as [Int64], shape: [1])])
        let old = try roundTrip(source, ExportOptions(opset: 17))
        let mean = try XCTUnwrap(old.graph.nodes.first { $0.name == "mean" })
        XCTAssertEqual(mean.inputs, ["x"])
        XCTAssertEqual(try mean.ints("axes"), [1])
        let squeeze = try XCTUnwrap(old.graph.nodes.first { $0.name == "squeeze" })
        XCTAssertEqual(squeeze.inputs.count, 2)
        XCTAssertNil(squeeze.attributes["axes"])
        XCTAssertEqual(old.graph.initializers[squeeze.inputs[1]]?.ints(), [1])

        let new = try roundTrip(source, ExportOptions(opset: 18))
        let mean18 = try XCTUnwrap(new.graph.nodes.first { $0.name == "mean" })
        XCTAssertEqual(mean18.inputs, ["x", "axes"])
        XCTAssertNil(mean18.attributes["axes"])
    }

    func testComputedAxesNeedTheInputForm() {
        let nodes = [
            Node(name: "shape", opType: "Shape", inputs: ["x"], outputs: ["sh"]),
            Node(name: "mean", opType: "ReduceMean", inputs: ["x", "sh"], outputs: ["m"]),
        ]
        XCTAssertThrowsError(try ONNXExporter.encode(model(nodes, output: "m"), options: ExportOptions(opset: 17))) { error in
            XCTAssertEqual((error as? StrataError)?.description,
                           "node 'mean' (ReduceMean): 'ReduceMean' with a computed 'axes' input needs opset 18 or newer (target opset 17); convert with --opset 18")
        }
    }

    func testOpNewerThanTheTargetNamesLayerClassAndMinimumOpset() {
        let grid = Node(name: "warp/GridSample", opType: "GridSample", inputs: ["x", "x"], outputs: ["y"],
                        source: SourceInfo(name: "warp", type: "SpatialTransformer"))
        XCTAssertThrowsError(try ONNXExporter.encode(model([grid], output: "y"), options: ExportOptions(opset: 15))) { error in
            XCTAssertEqual((error as? StrataError)?.kind, .unsupported)
            XCTAssertEqual((error as? StrataError)?.description,
                           "node 'warp/GridSample' (GridSample), layer 'warp' (SpatialTransformer): op 'GridSample' needs opset 16 or newer (target opset 15); convert with --opset 16")
        }
        XCTAssertNoThrow(try ONNXExporter.encode(model([grid], output: "y"), options: ExportOptions(opset: 16)))
    }

    func testPadFeaturesNewerThanTheTargetAreRefused() throws {
        let axes = Node(name: "p", opType: "Pad", inputs: ["x", "pads", "", "axes"], outputs: ["y"])
        let withAxes = model([axes], output: "y", initializers: [
            "pads": Tensor([1, 1] as [Int64], shape: [2]), "axes": Tensor([2] as [Int64], shape: [1]),
        ])
        XCTAssertThrowsError(try ONNXExporter.encode(withAxes, options: ExportOptions(opset: 17))) { error in
            XCTAssertEqual((error as? StrataError)?.description,
                           "node 'p' (Pad): 'Pad' with an 'axes' input needs opset 18 or newer (target opset 17); convert with --opset 18")
        }
        XCTAssertNoThrow(try ONNXExporter.encode(withAxes, options: ExportOptions(opset: 18)))

        let wrap = Node(name: "w", opType: "Pad", inputs: ["x", "pads"], outputs: ["y"], attributes: ["mode": .string("wrap")])
        let wrapped = model([wrap], output: "y", initializers: ["pads": Tensor([0, 0, 1, 0, 0, 1] as [Int64], shape: [6])])
        XCTAssertThrowsError(try ONNXExporter.encode(wrapped, options: ExportOptions(opset: 18))) { error in
            XCTAssertEqual((error as? StrataError)?.description,
                           "node 'w' (Pad): 'Pad' with mode 'wrap' needs opset 19 or newer (target opset 18); convert with --opset 19")
        }
        XCTAssertNoThrow(try ONNXExporter.encode(wrapped, options: ExportOptions(opset: 19)))
    }

    func testOpsetsOutsideTheRangeAreRefused() {
        let source = model([Node(name: "r", opType: "Relu", inputs: ["x"], outputs: ["y"])], output: "y")
        for opset in [12, 22] {
            XCTAssertThrowsError(try ONNXExporter.encode(source, options: ExportOptions(opset: opset))) { error in
                XCTAssertEqual((error as? StrataError)?.description, "opset \(opset) is not supported for export (supported: 13...21)")
            }
        }
    }

    func testNewerActivationsAreExpandedForOlderOpsets() throws {
        for (op, attributes, core) in [("Gelu", ["approximate": Attribute.string("none")], "Erf"), ("Gelu", ["approximate": .string("tanh")], "Tanh"),
                                       ("Mish", [:], "Softplus"), ("HardSwish", [:], "HardSigmoid")] {
            let source = model([Node(name: "act", opType: op, inputs: ["x"], outputs: ["y"], attributes: attributes,
                                     source: SourceInfo(name: "act", type: "Activation"))], output: "y")
            let back = try roundTrip(source, ExportOptions(opset: 13))
            XCTAssertFalse(back.graph.nodes.contains { $0.opType == op }, op)
            XCTAssertTrue(back.graph.nodes.contains { $0.opType == core }, op)
            XCTAssertEqual(back.graph.nodes.last?.outputs, ["y"], op)
            XCTAssertTrue(back.graph.nodes.allSatisfy { $0.name.hasPrefix("act/") }, op)
        }
        let gelu = model([Node(name: "act", opType: "Gelu", inputs: ["x"], outputs: ["y"])], output: "y")
        XCTAssertEqual(try roundTrip(gelu, ExportOptions(opset: 20)).graph.nodes.map(\.opType), ["Gelu"])
    }

    func testBatchFirstRecurrentLayersBecomeSequenceFirst() throws {
        let weights: [String: Tensor] = [
            "W": try Tensor(dtype: .float32, shape: [1, 20, 4], zeroed: true),
            "R": try Tensor(dtype: .float32, shape: [1, 20, 5], zeroed: true),
        ]
        let lstm = Node(name: "lstm", opType: "LSTM", inputs: ["x", "W", "R"], outputs: ["y", "h"],
                        attributes: ["hidden_size": .int(5), "layout": .int(1)])
        let back = try roundTrip(model([lstm], output: "y", initializers: weights))
        XCTAssertEqual(back.graph.nodes.map(\.opType), ["Transpose", "LSTM", "Transpose", "Transpose"])
        let core = try XCTUnwrap(back.graph.nodes.first { $0.opType == "LSTM" })
        XCTAssertNil(core.attributes["layout"])
        let transposes = back.graph.nodes.filter { $0.opType == "Transpose" }
        XCTAssertEqual(try transposes.map { try $0.ints("perm") }, [[1, 0, 2], [2, 0, 1, 3], [1, 0, 2]])
        XCTAssertEqual(transposes[1].outputs, ["y"])
        XCTAssertEqual(transposes[2].outputs, ["h"])
    }

    func testExternalDataFileHoldsTheWeights() throws {
        let source = try Fixtures.load("tiny-cnn.onnx")
        let path = scratch + "/big.onnx"
        try ONNXExporter.write(source, to: path, options: ExportOptions(externalDataThreshold: 0))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch).sorted(), ["big.onnx", "big.onnx.data"])
        let back = try ONNXImporter.load(path: path)
        for (name, tensor) in source.graph.initializers {
            XCTAssertEqual(back.graph.initializers[name]?.floats(), tensor.floats(), name)
        }
        // Tensors of 1 KiB or more go to the data file, each padded to 64 bytes.
        let large = source.graph.initializers.values.filter { $0.byteCount >= 1024 }
        XCTAssertFalse(large.isEmpty)
        let dataSize = try XCTUnwrap(FileManager.default.contents(atPath: path + ".data")).count
        XCTAssertEqual(dataSize, large.reduce(0) { $0 + ($1.byteCount + 63) / 64 * 64 })
    }

    func testMissingFolderIsAClearErrorAndFailuresLeaveNoFile() throws {
        let source = try Fixtures.load("tiny-cnn.onnx")
        XCTAssertThrowsError(try ONNXExporter.write(source, to: scratch + "/missing/m.onnx")) { error in
            XCTAssertEqual((error as? StrataError)?.description,
                           "\(scratch!)/missing/m.onnx: the output folder '\(scratch!)/missing' does not exist")
        }
        // A destination that is a folder cannot be replaced: the error leaves no temporary file behind.
        try FileManager.default.createDirectory(atPath: scratch + "/taken.onnx/inner", withIntermediateDirectories: true)
        XCTAssertThrowsError(try ONNXExporter.write(source, to: scratch + "/taken.onnx"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch), ["taken.onnx"])
        let bad = model([Node(name: "n", opType: "NoSuchOp", inputs: ["x"], outputs: ["y"])], output: "y")
        XCTAssertThrowsError(try ONNXExporter.write(bad, to: scratch + "/bad.onnx"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/bad.onnx"))
    }

    func testBatchSizeSetsTheFirstDimension() throws {
        let source = try Fixtures.load("tiny-cnn.onnx")
        let fixed = try roundTrip(source, ExportOptions(batch: .known(5)))
        XCTAssertEqual(fixed.graph.inputs[0].type.shape?.first, .known(5))
        let dynamic = try roundTrip(source, ExportOptions(batch: .symbol("batch")))
        XCTAssertEqual(dynamic.graph.inputs[0].type.shape?.first, .symbol("batch"))
        XCTAssertEqual(dynamic.graph.outputs[0].type.shape?.first, .symbol("batch"))
    }

    func testOldAttributeFormsBecomeInputs() throws {
        let nodes = [
            Node(name: "clip", opType: "Clip", opset: 9, inputs: ["x"], outputs: ["c"], attributes: ["min": .float(-0.5), "max": .float(0.5)]),
            Node(name: "pad", opType: "Pad", opset: 9, inputs: ["c"], outputs: ["p"],
                 attributes: ["pads": .ints([0, 1, 0, 0, 1, 0]), "value": .float(2)]),
            Node(name: "slice", opType: "Slice", opset: 9, inputs: ["p"], outputs: ["s"],
                 attributes: ["starts": .ints([1]), "ends": .ints([3]), "axes": .ints([2])]),
        ]
        let back = try roundTrip(model(nodes, output: "s"), ExportOptions(opset: 13))
        let byName = Dictionary(uniqueKeysWithValues: back.graph.nodes.map { ($0.name, $0) })
        let values = { (name: String) in back.graph.initializers[name] }
        let clip = try XCTUnwrap(byName["clip"])
        XCTAssertTrue(clip.attributes.isEmpty)
        XCTAssertEqual(clip.inputs.dropFirst().compactMap { values($0)?.floats() }, [[-0.5], [0.5]])
        let pad = try XCTUnwrap(byName["pad"])
        XCTAssertEqual(pad.attributes.keys.sorted(), [])
        XCTAssertEqual(values(pad.inputs[1])?.ints(), [0, 1, 0, 0, 1, 0])
        XCTAssertEqual(values(pad.inputs[2])?.floats(), [2])
        let slice = try XCTUnwrap(byName["slice"])
        XCTAssertTrue(slice.attributes.isEmpty)
        XCTAssertEqual(slice.inputs.dropFirst().compactMap { values($0)?.ints() }, [[1], [3], [2]])
    }
}

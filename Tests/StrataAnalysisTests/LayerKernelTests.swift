import StrataCore
import StrataKeras
import StrataONNX
import StrataTestSupport
import XCTest

@testable import StrataAnalysis

/// Kernel tiles of Keras and ONNX fixture models against numpy's (recorded from the files by
/// `Tools/keras/make-kernel-fixtures.py` and `Tools/make-analysis-fixtures.py`), and the constant
/// chains and errors of `LayerKernel.find`.
final class LayerKernelTests: XCTestCase {
    /// Our float32 mean against numpy's float64 one: within one unit in the last place.
    func assertTiles(_ tiles: [[Float]], _ expected: JSONValue?, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        let rows = expected?.array ?? []
        XCTAssertEqual(tiles.count, rows.count, label, file: file, line: line)
        for (o, (tile, row)) in zip(tiles, rows).enumerated() {
            let values = AnalysisFixtures.doubles(row)
            XCTAssertEqual(tile.count, values.count, "\(label) tile \(o)", file: file, line: line)
            for (a, b) in zip(tile, values) {
                XCTAssertLessThanOrEqual(abs(Double(a) - b), Double(Float(b).ulp), "\(label) tile \(o): \(a) vs \(b)", file: file, line: line)
            }
        }
    }

    func assertHistogram(_ h: ValueHistogram, _ expected: JSONValue?, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(h.trimmed.edges, AnalysisFixtures.doubles(expected?["edges"]), label, file: file, line: line)
        XCTAssertEqual(h.trimmed.counts, AnalysisFixtures.ints(expected?["counts"]), label, file: file, line: line)
    }

    func testKerasKernelsEqualTheFilesKernels() throws {
        for (file, layers) in try AnalysisFixtures.json("keras-kernels.json").members! {
            let graph = try KerasImporter.load(path: AnalysisFixtures.root + "/Fixtures/keras/" + file).graph
            for (layer, entries) in layers.members! {
                let kernels = try LayerKernel.find(layer: layer, in: graph)
                let expected = entries.array!
                XCTAssertEqual(kernels.count, expected.count, "\(file) \(layer)")
                for (k, (kernel, e)) in zip(kernels, expected).enumerated() {
                    let label = "\(file) \(layer) kernel \(k)"
                    let kind = e["kind"]!.string!
                    XCTAssertEqual(kernel.kind, ["conv": .convolution, "depthwise": .convolution, "transposed": .transposedConvolution,
                                                 "dense": .dense][kind], label)
                    assertHistogram(kernel.histogram, e["histogram"], label)
                    if kind == "dense" {
                        let tiles = try kernel.tiles()
                        XCTAssertEqual([tiles.height, tiles.width], AnalysisFixtures.ints(e["tile_shape"]), label)
                        XCTAssertEqual(tiles.tiles[0].map(Double.init), AnalysisFixtures.doubles(e["matrix"]), label)
                        continue
                    }
                    let tiles = try kernel.tiles()
                    XCTAssertEqual([tiles.height, tiles.width], AnalysisFixtures.ints(e["tile_shape"]), label)
                    assertTiles(tiles.tiles, e["tiles"], label)
                    XCTAssertEqual(tiles.limit, tiles.tiles.joined().map(abs).max(), label)
                    if kind == "depthwise" { XCTAssertEqual(kernel.inputChannelsPerGroup, 1, label) }
                    if let channel = e["channel"]?.int {
                        assertTiles(try kernel.tiles(inputChannel: channel).tiles, e["channel_tiles"], "\(label) channel \(channel)")
                    }
                    XCTAssertEqual(kernel.showsRGB, e["rgb"] != nil, label)
                    if e["rgb"] != nil {
                        let rgb = try kernel.rgbTiles()
                        XCTAssertEqual(rgb.channels, 3)
                        assertTiles(rgb.tiles, e["rgb"], "\(label) RGB")
                    }
                }
            }
        }
    }

    /// Keras' importer lowers `bn2` to a per-channel Mul and Add of `conv2`'s output: no kernel of its own.
    func testBatchNormalizationHasNoKernel() throws {
        let graph = try KerasImporter.load(path: AnalysisFixtures.root + "/Fixtures/keras/cnn.k3.h5").graph
        XCTAssertFalse(graph.nodes.contains { $0.source?.name == "bn2" && $0.opType == "Conv" })
        XCTAssertTrue(graph.nodes.contains { $0.source?.name == "bn2" && $0.opType == "Mul" })
        XCTAssertThrowsError(try LayerKernel.find(layer: "bn2", in: graph)) { error in
            XCTAssertEqual(String(describing: error), "node 'bn2': has no convolution or dense kernel (BatchNormalization has none of its own)")
        }
        XCTAssertEqual(try LayerKernel.find(layer: "conv2", in: graph).count, 1)
    }

    func testONNXKernelsEqualTheFilesKernels() throws {
        let graph = try ONNXImporter.load(path: AnalysisFixtures.root + "/Fixtures/onnx/tiny-cnn.onnx").graph
        for (layer, e) in try AnalysisFixtures.json("tiny-cnn-kernels.json").members! {
            let kernels = try LayerKernel.find(layer: layer, in: graph)
            XCTAssertEqual(kernels.count, 1, layer)
            let kernel = kernels[0]
            assertHistogram(kernel.histogram, e["histogram"], layer)
            if e["op"]?.string == "Gemm" {
                XCTAssertEqual(kernel.kind, .dense)
                XCTAssertEqual(kernel.weight.shape, AnalysisFixtures.ints(e["shape"]), layer)
                XCTAssertEqual(try kernel.tiles().tiles[0].map(Double.init), AnalysisFixtures.doubles(e["matrix"]), layer)
                continue
            }
            XCTAssertEqual(kernel.weight.shape, AnalysisFixtures.ints(e["shape"]), layer)
            assertTiles(try kernel.tiles().tiles, e["tiles"], layer)
            assertTiles(try kernel.tiles(inputChannel: 1).tiles, e["channel1"], "\(layer) channel 1")
            XCTAssertEqual(kernel.showsRGB, e["rgb"] != nil, layer)
            if e["rgb"] != nil { assertTiles(try kernel.rgbTiles().tiles, e["rgb"], "\(layer) RGB") }
        }
    }

    // MARK: Hand-made graphs

    private func floats(_ n: Int, seed: UInt64) -> [Float] {
        var r = SeededGenerator(seed: seed)
        return (0 ..< n).map { _ in Float(r.unit() * 2 - 1) }
    }

    private func conv(_ name: String, _ x: String, _ w: String, group: Int = 1, op: String = "Conv") -> Node {
        Node(name: name, opType: op, inputs: [x, w], outputs: [name], attributes: ["group": .int(group)])
    }

    private func graph(_ nodes: [Node], _ initializers: [String: Tensor], inputs: [String] = ["image"]) -> Graph {
        Graph(nodes: nodes, inputs: inputs.map { ValueInfo(name: $0, type: ValueType(.float32, concrete: [1, 3, 8, 8])) },
              initializers: initializers)
    }

    /// A weight stored as float16 `[kw, kh, I, O]`, brought to OIHW by `Transpose` after `Cast` and `Identity`.
    func testWeightBehindIdentityCastTranspose() throws {
        let values = floats(3 * 2 * 3 * 4, seed: 3)
        let stored = try Tensor(dtype: .float16, shape: [3, 2, 3, 4])
        for (i, v) in values.enumerated() { stored.pointer(as: Float16.self)[i] = Float16(v) }
        let g = graph([
            Node(name: "id", opType: "Identity", inputs: ["w16"], outputs: ["w16b"]),
            Node(name: "cast", opType: "Cast", inputs: ["w16b"], outputs: ["w32"], attributes: ["to": .int(1)]),
            Node(name: "perm", opType: "Transpose", inputs: ["w32"], outputs: ["w"], attributes: ["perm": .ints([3, 2, 1, 0])]),
            Node(name: "scale", opType: "Mul", inputs: ["image", "half"], outputs: ["scaled"]),
            conv("conv", "scaled", "w"),
        ], ["w16": stored, "half": Tensor([Float(0.5)], shape: [])])
        let kernel = try XCTUnwrap(LayerKernel.find(layer: "conv", in: g).first)
        XCTAssertEqual(kernel.weight.shape, [4, 3, 2, 3])
        XCTAssertTrue(kernel.readsGraphInput)
        XCTAssertTrue(kernel.showsRGB)
        let rgb = try kernel.rgbTiles()
        XCTAssertEqual([rgb.height, rgb.width, rgb.channels], [2, 3, 3])
        for o in 0 ..< 4 {
            for y in 0 ..< 2 {
                for x in 0 ..< 3 {
                    for c in 0 ..< 3 {
                        // OIHW [o, c, y, x] is the stored [x, y, c, o].
                        let stored = Float(Float16(values[((x * 2 + y) * 3 + c) * 4 + o]))
                        XCTAssertEqual(rgb.tiles[o][(y * 3 + x) * 3 + c], stored)
                    }
                }
            }
        }
    }

    func testDequantizedWeightPerAxis() throws {
        let raw: [Int8] = [-128, -1, 0, 5, 127, 64, -64, 3]
        let weight = try Tensor(dtype: .int8, shape: [2, 1, 2, 2])
        for (i, v) in raw.enumerated() { weight.pointer(as: Int8.self)[i] = v }
        let zero = try Tensor(dtype: .int8, shape: [2])
        zero.pointer(as: Int8.self)[0] = 1
        zero.pointer(as: Int8.self)[1] = -2
        let g = graph([
            Node(name: "dq", opType: "DequantizeLinear", inputs: ["q", "s", "z"], outputs: ["w"], attributes: ["axis": .int(0)]),
            Node(name: "relu", opType: "Relu", inputs: ["image"], outputs: ["r"]),
            conv("conv", "r", "w"),
        ], ["q": weight, "s": Tensor([Float(0.5), 0.25], shape: [2]), "z": zero])
        let kernel = try XCTUnwrap(LayerKernel.find(layer: "conv", in: g).first)
        XCTAssertFalse(kernel.readsGraphInput)
        let expected: [Float] = (0 ..< 8).map { i in (Float(raw[i]) - (i < 4 ? 1 : -2)) * (i < 4 ? 0.5 : 0.25) }
        XCTAssertEqual(kernel.weight.floatArray(), expected)
        XCTAssertEqual(try kernel.tiles().tiles, [Array(expected[0 ..< 4]), Array(expected[4 ..< 8])])
    }

    /// ConvTranspose `[I, O/group, kh, kw]` with two groups: output channel `o` reads its group's inputs.
    func testGroupedTransposedConvolution() throws {
        let values = floats(4 * 3 * 2 * 2, seed: 8)
        let g = graph([conv("up", "image", "w", group: 2, op: "ConvTranspose")], ["w": Tensor(values, shape: [4, 3, 2, 2])])
        let kernel = try XCTUnwrap(LayerKernel.find(layer: "up", in: g).first)
        XCTAssertEqual(kernel.outputChannels, 6)
        XCTAssertEqual(kernel.inputChannelsPerGroup, 2)
        let tiles = try kernel.tiles().tiles
        let second = try kernel.tiles(inputChannel: 1).tiles
        for o in 0 ..< 6 {
            let group = o / 3, oo = o % 3
            for p in 0 ..< 4 {
                let a = values[((group * 2 + 0) * 3 + oo) * 4 + p], b = values[((group * 2 + 1) * 3 + oo) * 4 + p]
                XCTAssertEqual(tiles[o][p], Float((Double(a) + Double(b)) / 2), "output \(o) tap \(p)")
                XCTAssertEqual(second[o][p], b)
            }
        }
    }

    func testErrors() throws {
        let w3d = Tensor(floats(2 * 3 * 2 * 2 * 2, seed: 4), shape: [2, 3, 2, 2, 2])
        let g = graph([
            conv("fromInput", "image", "image"),
            conv("volume", "image", "w3d"),
            Node(name: "mm", opType: "MatMul", inputs: ["image", "image"], outputs: ["mm"]),
            Node(name: "relu", opType: "Relu", inputs: ["image"], outputs: ["relu"]),
            conv("grouped", "image", "w3", group: 3),
        ], ["w3d": w3d, "w3": Tensor(floats(3 * 1 * 2 * 2, seed: 5), shape: [3, 1, 2, 2])])
        func assertError(_ layer: String, _ message: String, line: UInt = #line, _ body: ([LayerKernel]) throws -> Void = { _ in }) {
            XCTAssertThrowsError(try body(try LayerKernel.find(layer: layer, in: g)), line: line) { error in
                XCTAssertEqual(String(describing: error), message, line: line)
            }
        }
        assertError("missing", "node 'missing': no layer of the model has this name")
        assertError("relu", "node 'relu': has no convolution or dense kernel (its ops: Relu)")
        assertError("mm", "node 'mm': has no convolution or dense kernel (its ops: MatMul)")
        assertError("fromInput", "node 'fromInput' (Conv): the weight 'image' is not a constant kernel (an initializer, possibly behind Identity, Cast, Transpose or DequantizeLinear)")
        assertError("volume", "node 'volume' (Conv): a kernel with 3 spatial axes has no 2-D tiles") { _ = try $0[0].tiles() }
        assertError("grouped", "node 'grouped' (Conv): input channel 1 is out of range: each output channel reads 1") { _ = try $0[0].tiles(inputChannel: 1) }
        assertError("grouped", "node 'grouped' (Conv): RGB tiles need a convolution without groups reading the 3 channels of a graph input") {
            _ = try $0[0].rgbTiles()
        }
        let dense = Graph(nodes: [Node(name: "fc", opType: "Gemm", inputs: ["image", "b"], outputs: ["fc"], attributes: ["transB": .int(1)])],
                          inputs: [ValueInfo(name: "image", type: ValueType(.float32, concrete: [1, 3]))],
                          initializers: ["b": Tensor(floats(6, seed: 6), shape: [2, 3])])
        let fc = try XCTUnwrap(LayerKernel.find(layer: "fc", in: dense).first)
        XCTAssertEqual(fc.weight.shape, [3, 2])
        XCTAssertThrowsError(try fc.tiles(inputChannel: 0)) { error in
            XCTAssertEqual(String(describing: error), "node 'fc' (Gemm): a dense kernel has no input channels to choose from")
        }
    }
}

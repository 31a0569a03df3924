import Foundation
import StrataCore
import StrataEngine
import XCTest
@testable import StrataCommands
@testable import StrataKeras

/// The structure-only import (`KerasImporter.WeightLoading.shapesOnly`, used by `inspect`, `layers` and
/// `diagram`): the same graph as the full import, no weight value read, and a model the engine refuses.
final class KerasShapesOnlyImportTests: XCTestCase {
    static let fixtures = KerasFixtureTests.fixtures

    /// Every model file among the fixtures, with its architecture JSON when it is weights-only.
    static func modelFiles() -> [(path: String, config: String?)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: fixtures)) ?? []).sorted()
        return names.compactMap { name in
            let path = "\(fixtures)/\(name)"
            if name.hasSuffix(".k2w.h5") { return (path, "\(fixtures)/\(name.dropLast(3)).json") }
            if name.hasSuffix(".k3w.weights.h5") { return (path, "\(fixtures)/\(name.dropLast(11)).json") }
            if name.hasSuffix(".h5") || name.hasSuffix(".keras") { return (path, nil) }
            return nil
        }
    }

    func testShapesOnlyImportGivesTheFullImportsGraph() throws {
        let files = Self.modelFiles()
        XCTAssertGreaterThan(files.count, 200)
        var compared = 0
        for (path, config) in files {
            let full: Model
            do {
                full = try KerasImporter.load(path: path, configPath: config)
            } catch {
                XCTAssertThrowsError(try KerasImporter.load(path: path, configPath: config, weights: .shapesOnly)) { shapeError in
                    XCTAssertEqual(String(describing: shapeError), String(describing: error), path)
                }
                continue
            }
            let shapes = try KerasImporter.load(path: path, configPath: config, weights: .shapesOnly)
            XCTAssertTrue(full.hasWeightValues)
            XCTAssertFalse(shapes.hasWeightValues, path)
            assertSameStructure(full, shapes, path)
            compared += 1
        }
        XCTAssertGreaterThan(compared, 150)
    }

    func assertSameStructure(_ a: Model, _ b: Model, _ path: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.sourceLayers, b.sourceLayers, path, file: file, line: line)
        XCTAssertEqual(a.graph.inputs, b.graph.inputs, path, file: file, line: line)
        XCTAssertEqual(a.graph.outputs, b.graph.outputs, path, file: file, line: line)
        XCTAssertEqual(a.graph.layers, b.graph.layers, path, file: file, line: line)
        XCTAssertEqual(a.graph.valueTypes, b.graph.valueTypes, path, file: file, line: line)
        XCTAssertEqual(a.metadata, b.metadata, path, file: file, line: line)
        // In order: the node order is printed by `inspect` (attention_masks once varied from one
        // import to the next, when `refuseUnorderedMaskReaders` walked a Set).
        let (nodesA, nodesB) = (a.graph.nodes.map(Self.describe), b.graph.nodes.map(Self.describe))
        XCTAssertEqual(nodesA.count, nodesB.count, path, file: file, line: line)
        if let i = nodesA.indices.first(where: { $0 < nodesB.count && nodesA[$0] != nodesB[$0] }) {
            XCTFail("\(path): node \(i) differs: \(nodesA[i]) versus \(nodesB[i])", file: file, line: line)
        }
        XCTAssertEqual(a.graph.initializers.mapValues(\.type), b.graph.initializers.mapValues(\.type), path, file: file, line: line)
        XCTAssertEqual(a.graph.inferTypes().types, b.graph.inferTypes().types, path, file: file, line: line)
    }

    static func describe(_ node: Node) -> String {
        let attributes = node.attributes.keys.sorted().map { "\($0)=\(node.attributes[$0]!)" }
        return "\(node.name) \(node.opType) \(node.inputs) -> \(node.outputs) \(attributes) \(String(describing: node.source))"
    }

    /// A store that counts the values read through it.
    final class CountingStore: KerasWeightStore, @unchecked Sendable {
        let base: KerasWeightStore
        private let lock = NSLock()
        private var count = 0
        var reads: Int { lock.withLock { count } }

        init(_ base: KerasWeightStore) { self.base = base }

        func variables(at path: [String]) throws -> [KerasVariable] {
            try base.variables(at: path).map { variable in
                KerasVariable(name: variable.name, shape: variable.shape, dtype: variable.dtype) { [self] in
                    lock.withLock { count += 1 }
                    return try variable.load()
                }
            }
        }
    }

    /// Builds a full-model `.h5` fixture through a counting store.
    func build(_ name: String, _ weights: KerasImporter.WeightLoading) throws -> (Model, reads: Int) {
        let path = "\(Self.fixtures)/\(name)"
        let file = try HDF5File(path: path)
        let config = try XCTUnwrap(try file.stringAttribute("/", "model_config"))
        let root = try file.kind("/model_weights") == .group ? "/model_weights" : "/"
        var store: CountingStore?
        let model = try KerasImporter.build(
            configText: config, file: path, format: .kerasH5, kerasVersion: nil, backend: nil, weights: weights,
            store: { _ in
                let counting = CountingStore(LegacyH5WeightStore(file: file, root: root))
                store = counting
                return counting
            })
        return (model, try XCTUnwrap(store).reads)
    }

    func testShapesOnlyImportReadsNoWeightValue() throws {
        // Convolutions, depthwise and separable kernels (transposed), batch and layer normalization
        // (folded or reshaped), attention projections (repeated per head), recurrent kernels (packed).
        for name in ["conv.k2.h5", "cnn.k3.h5", "normalization.k2.h5", "multi_head_attention.k3.h5", "lstm.k2.h5", "gru.k3.h5"] {
            let (full, fullReads) = try build(name, .values)
            XCTAssertGreaterThan(fullReads, 0, name)
            let (shapes, reads) = try build(name, .shapesOnly)
            XCTAssertEqual(reads, 0, name)
            assertSameStructure(full, shapes, name)
        }
    }

    func testWeightInitializersAreUntouchedPages() throws {
        let model = try KerasImporter.load(path: "\(Self.fixtures)/conv.k2.h5", weights: .shapesOnly)
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var checked = 0
        // Kernels (`<layer>/kernel`, transposed for ONNX in a full import) stand on their own mapping.
        for (name, tensor) in model.graph.initializers where name.hasSuffix("/kernel") {
            XCTAssertEqual(Int(bitPattern: tensor.rawPointer) % pageSize, 0, name)
            var resident = [UInt8](repeating: 1, count: (tensor.byteCount + pageSize - 1) / pageSize)
            XCTAssertEqual(mincore(tensor.rawPointer, tensor.byteCount, &resident), 0, name)
            XCTAssertEqual(resident.filter { $0 & 1 != 0 }.count, 0, "\(name) has resident pages")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 3)
    }

    func testEngineRefusesAShapesOnlyModel() throws {
        let path = "\(Self.fixtures)/cnn.k2.h5"
        let model = try ModelLoader.loadStructure(path)
        XCTAssertThrowsError(try Engine(model: model)) { error in
            XCTAssertEqual(String(describing: error),
                           "\(path): the model was imported without its weight values (for its structure only) and cannot be run")
        }
        XCTAssertNoThrow(try Engine(model: try ModelLoader.load(path)))
    }
}

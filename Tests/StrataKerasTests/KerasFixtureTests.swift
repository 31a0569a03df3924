import Foundation
import StrataCore
import StrataEngine
import StrataExport
import StrataTestSupport
import XCTest
@testable import StrataCommands
@testable import StrataKeras

/// Runs committed Keras fixtures (made by Tools/keras/make-fixtures.py with tf_keras and Keras 3) in
/// process and compares every captured layer with the activation Keras recorded.
final class KerasFixtureTests: XCTestCase {
    static let fixtures = FixtureRoot.path("keras")

    /// Fixture families whose every layer class the importer supports.
    static let families = ["cnn", "conv", "conv_cf", "pooling", "functional", "nested", "activations"]
    /// The fixture files of `family` that have references, each with its architecture JSON when it is a
    /// weights-only file (`<family>.<kind>w.… ` pairs with `<family>.<kind>w.json`).
    static func files(_ family: String) -> [(path: String, config: String?)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtures)) ?? []
        return names.filter { $0.hasPrefix(family + ".") && !$0.hasSuffix(".reference") && !$0.hasSuffix(".json")
            && names.contains($0 + ".reference") }.sorted().map { name in
            let kind = name.split(separator: ".")[1]
            return ("\(fixtures)/\(name)", kind.hasSuffix("w") ? "\(fixtures)/\(family).\(kind).json" : nil)
        }
    }

    func index(_ fixture: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture + ".reference/index.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testEveryLayerMatchesKeras() throws {
        var compared = 0
        for family in Self.families {
            let files = Self.files(family)
            XCTAssertGreaterThanOrEqual(files.count, 5, "fixtures of \(family)")
            for (path, config) in files { compared += try compare(path, config: config) }
        }
        XCTAssertGreaterThan(compared, 300)
    }

    /// Returns the number of rows compared.
    func compare(_ path: String, config: String?) throws -> Int {
        let model = try ModelLoader.load(path, config: config)
        let reference = try index(path)
        let folder = path + ".reference/"
        var feeds: [String: Tensor] = [:]
        for input in try XCTUnwrap(reference["inputs"] as? [[String: Any]]) {
            feeds[try XCTUnwrap(input["name"] as? String)] = try NPYFile.read(folder + (try XCTUnwrap(input["file"] as? String)))
        }
        var expected: [String: String] = [:]
        var inputRows: Set<String> = []
        for row in try XCTUnwrap(reference["activations"] as? [[String: Any]]) {
            let key = "\(row["layer"]!)#\(row["call"]!)#\(row["output"]!)"
            if row["class"] as? String == "InputLayer" { inputRows.insert(key) }
            expected[key] = folder + (try XCTUnwrap(row["file"] as? String))
        }
        let engine = try Engine(model: model, options: EngineOptions(threads: 2))
        var seen: Set<String> = []
        try engine.run(inputs: feeds, capture: model.graph.captureTable) { row, tensor in
            let key = "\(row.layer)#\(row.call ?? 0)#\(row.output)"
            guard let file = expected[key] else { return }
            seen.insert(key)
            let want = try NPYFile.read(file)
            XCTAssertEqual(tensor.shape, want.shape, "\(path): \(row.layer)")
            guard tensor.shape == want.shape else { return }
            let got = tensor.floats(), ref = want.floats()
            let scale = ref.map(abs).max() ?? 0
            let bad = zip(got, ref).filter { abs($0 - $1) > 1e-3 * abs($1) + 1e-4 * scale + 1e-7 }.count
            XCTAssertEqual(bad, 0, "\(path): layer \(row.layer) call \(row.call ?? 0): \(bad) values differ from Keras")
        }
        let missing = Set(expected.keys).subtracting(seen).subtracting(inputRows)
        XCTAssertEqual(missing.sorted(), [], "\(path): Keras rows without a Strata capture")
        return seen.count
    }

    func testSummaryTotalsAndParameterCountsMatchKeras() throws {
        for family in Self.families {
            for (path, config) in Self.files(family) {
                let model = try ModelLoader.load(path, config: config)
                let summary = try XCTUnwrap(try index(path)["summary"] as? [String: Any])
                let rows = model.sourceLayers
                XCTAssertFalse(rows.isEmpty, "\(path): no source layers")
                let totals = SourceLayer.totals(rows)
                XCTAssertEqual(totals.trainable, summary["trainable"] as? Int, "\(path): trainable")
                XCTAssertEqual(totals.nonTrainable, summary["non_trainable"] as? Int, "\(path): non-trainable")
                for layer in summary["layers"] as? [[String: Any]] ?? [] {
                    guard let name = layer["layer"] as? String, let row = rows.first(where: { $0.name == name }) else { continue }
                    XCTAssertEqual(row.parameters, layer["params"] as? Int, "\(path): \(name) params")
                    XCTAssertEqual(row.trainableParameters, layer["trainable"] as? Int, "\(path): \(name) trainable")
                }
            }
        }
    }

    /// `strata inspect` prints Keras' own totals and a row per layer with its parameter count.
    func testInspectPrintsKerasSummary() throws {
        for name in ["cnn.k2.h5", "nested.k3.keras"] {
            let path = "\(Self.fixtures)/\(name)"
            let summary = try XCTUnwrap(try index(path)["summary"] as? [String: Any])
            let trainable = try XCTUnwrap(summary["trainable"] as? Int), frozen = try XCTUnwrap(summary["non_trainable"] as? Int)
            let console = Console.capture()
            let command = try XCTUnwrap(try StrataCommand.parseAsRoot(["inspect", path]) as? any StrataSubcommand)
            try command.executeReportingStrataErrors(on: console)
            let lines = console.output.split(separator: "\n").map(String.init)
            XCTAssertTrue(lines.contains("Total params: \(trainable + frozen)"), name)
            XCTAssertTrue(lines.contains("Trainable params: \(trainable)"), name)
            XCTAssertTrue(lines.contains("Non-trainable params: \(frozen)"), name)
            for layer in summary["layers"] as? [[String: Any]] ?? [] {
                let label = "\(layer["layer"]!) (\(layer["class"]!))"
                XCTAssertTrue(lines.contains { $0.contains(label) && $0.contains(" \(layer["params"]!) ") }, "\(name): \(label)")
            }
        }
    }

    /// libhdf5 is not thread-safe; the importer's lock makes concurrent loads safe and deterministic.
    func testConcurrentLoadsAgree() throws {
        let paths = ["cnn.k2.h5", "cnn.k3.keras", "nested.k2.h5", "functional.k3.h5"].map { "\(Self.fixtures)/\($0)" }
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var counts = [Int](repeating: -1, count: 16)
        }
        let box = Results()
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let model = try? ModelLoader.load(paths[i % paths.count])
            let count = model.map { $0.graph.initializers.values.reduce(0) { $0 + $1.count } } ?? -1
            box.lock.lock()
            box.counts[i] = count
            box.lock.unlock()
        }
        let results = box.counts
        for i in 0 ..< 16 {
            XCTAssertGreaterThan(results[i], 0)
            XCTAssertEqual(results[i], results[i % paths.count])
        }
    }

    func testSharedLayerGivesOneCapturePerCall() throws {
        let model = try ModelLoader.load(Self.fixtures + "/functional.k3.keras")
        let calls = Dictionary(grouping: model.graph.captureTable, by: \.layer).mapValues { Set($0.compactMap(\.call)) }
        XCTAssertTrue(calls.values.contains { $0.count > 1 }, "no layer of the functional fixture is called twice")
    }
}

import Foundation
import StrataCore
import StrataExport
import XCTest
@testable import StrataCommands

/// Diagrams of the Keras fixtures against the graph `keras.utils.model_to_dot(show_shapes=True,
/// expand_nested=True)` drew for the same file (recorded by Tools/keras/make-fixtures.py in each
/// `<fixture>.reference/index.json` under `dot`): the same layers by name and the same edges by
/// endpoints.
///
/// Conventions of model_to_dot that Strata's diagram does not share are normalised on its side:
/// the InputLayer of a nested model is a box in model_to_dot but only a pass-through in Strata,
/// so such nodes are contracted (their predecessors joined to their successors); Keras 3 draws a
/// Sequential model without its InputLayer, so when the reference has no InputLayer at all,
/// Strata's input boxes are left out of the comparison. Output boxes (Strata's own) are not compared.
final class DiagramKerasTests: CommandTestCase {
    static let keras = root + "/Fixtures/keras"

    struct Picture: Equatable {
        var nodes: Set<String>
        var edges: Set<String>
    }

    /// (layer name, class) from a model_to_dot label: Keras 3 HTML (`<b>name</b> (Class)`) or
    /// Keras 2 record (`{name|Class}|...`).
    static func layer(fromLabel label: String) -> (String, String)? {
        if let open = label.range(of: "<b>"), let close = label.range(of: "</b> (", range: open.upperBound..<label.endIndex) {
            let name = String(label[open.upperBound..<close.lowerBound])
            let rest = label[close.upperBound...]
            return (name, String(rest.prefix { $0 != ")" }))
        }
        if label.hasPrefix("{"), let bar = label.firstIndex(of: "|") {
            var name = String(label[label.index(after: label.startIndex)..<bar])
            // Keras 2 names a wrapper after what it wraps: `td_dense(dense)`.
            if name.hasSuffix(")"), let open = name.firstIndex(of: "(") { name = String(name[..<open]) }
            return (name, String(label[label.index(after: bar)...].prefix { $0 != "}" }))
        }
        return nil
    }

    static func reference(_ dot: [String: Any], graphInputs: Set<String>) -> Picture? {
        guard let labels = dot["nodes"] as? [String], let pairs = dot["edges"] as? [[Int]] else { return nil }
        let layers = labels.compactMap(layer(fromLabel:))
        guard layers.count == labels.count else { return nil }
        var edges = Set(pairs.map { [$0[0], $0[1]] })
        let hasInputLayer = layers.contains { $0.1 == "InputLayer" }
        var removed: Set<Int> = []
        for (i, (name, cls)) in layers.enumerated() where cls == "InputLayer" && !graphInputs.contains(name) {
            let into = edges.filter { $0[1] == i }.map { $0[0] }
            let out = edges.filter { $0[0] == i }.map { $0[1] }
            edges = edges.filter { $0[0] != i && $0[1] != i }
            for a in into { for b in out { edges.insert([a, b]) } }
            removed.insert(i)
        }
        _ = hasInputLayer
        return Picture(
            nodes: Set(layers.indices.filter { !removed.contains($0) }.map { layers[$0].0 }),
            edges: Set(edges.map { layers[$0[0]].0 + " -> " + layers[$0[1]].0 }))
    }

    static func strata(_ diagram: Diagram, withInputs: Bool) -> Picture {
        func name(_ box: Diagram.Box) -> String { box.name.split(separator: "/").last.map(String.init) ?? box.name }
        let drawn = diagram.boxes.indices.filter { i in
            let role = diagram.boxes[i].role
            return role == .layer || (withInputs && role == .input)
        }
        let set = Set(drawn)
        return Picture(
            nodes: Set(drawn.map { name(diagram.boxes[$0]) }),
            edges: Set(diagram.edges.filter { set.contains($0.from) && set.contains($0.to) }
                .map { name(diagram.boxes[$0.from]) + " -> " + name(diagram.boxes[$0.to]) }))
    }

    /// DOT goldens of real Keras files (kept with the other diagram goldens), each rendered by Graphviz.
    func testKerasFileGoldens() throws {
        let cases: [(String, [String])] = [
            ("keras-file-cnn-k2.dot", ["cnn.k2.h5", "--show-params", "--show-attrs", "--legend", "--edge-shapes"]),
            ("keras-file-functional-k3.dot", ["functional.k3.keras", "--show-params"]),
            ("keras-file-nested-k3.dot", ["nested.k3.keras", "--show-params"]),
            ("keras-file-nested-k3-collapsed.dot", ["nested.k3.keras", "--collapse-nested", "--show-params"]),
            ("keras-file-nested-k2-depth2.dot", ["nested.k2.h5", "--max-depth", "2"]),
            ("keras-file-shapes-k3.dot", ["shapes.k3.keras", "--rankdir", "LR"]),
            ("keras-file-bidirectional-k2.dot", ["bidirectional.k2.h5", "--show-params"]),
            ("keras-file-weights-only-k2.dot", ["cnn.k2w.h5", "--config", Self.keras + "/cnn.k2w.json"]),
        ]
        for (golden, arguments) in cases {
            guard FileManager.default.fileExists(atPath: Self.keras + "/" + arguments[0]) else {
                XCTFail("missing fixture \(arguments[0])")
                continue
            }
            let full = ["diagram", Self.keras + "/" + arguments[0]] + arguments.dropFirst()
            let output = try strata(full).output
            DiagramCommandTests.assertGolden(output, golden)
            let svg = scratch + "/\(golden).svg"
            try strata(full + ["-o", svg])
            XCTAssertTrue(String(decoding: FileManager.default.contents(atPath: svg) ?? Data(), as: UTF8.self).contains("<svg"))
        }
    }

    func testLayersAndEdgesMatchKerasModelToDot() throws {
        let folders = folderContents(Self.keras).filter { $0.hasSuffix(".reference") }
        guard !folders.isEmpty else { throw XCTSkip("no Keras fixtures in \(Self.keras)") }
        var compared: [String] = []
        var notImported: [String] = []
        for folder in folders {
            let data = try Data(contentsOf: URL(fileURLWithPath: Self.keras + "/" + folder + "/index.json"))
            let index = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
            guard let dot = index["dot"] as? [String: Any], dot["nodes"] != nil, let fixture = index["fixture"] as? String else { continue }
            let config = (index["config"] as? String).map { Self.keras + "/" + $0 }
            let model: Model
            do {
                model = try ModelLoader.load(Self.keras + "/" + fixture, config: config)
            } catch {
                notImported.append(fixture)
                continue
            }
            let diagram = try Diagram(model: model)
            let inputs = Set(model.graph.runtimeInputs.map(\.name))
            guard let expected = Self.reference(dot, graphInputs: inputs) else {
                XCTFail("\(fixture): unreadable model_to_dot labels")
                continue
            }
            let labels = (dot["nodes"] as? [String]) ?? []
            let referenceHasInputs = labels.compactMap(Self.layer(fromLabel:)).contains { $0.1 == "InputLayer" }
            let actual = Self.strata(diagram, withInputs: referenceHasInputs)
            XCTAssertEqual(actual.nodes.sorted(), expected.nodes.sorted(), "\(fixture): layers")
            XCTAssertEqual(actual.edges.sorted(), expected.edges.sorted(), "\(fixture): edges")
            compared.append(fixture)
        }
        XCTAssertEqual(notImported, [], "Keras fixtures the importer refuses cannot be compared with model_to_dot")
        XCTAssertFalse(compared.isEmpty, "no Keras fixture could be imported")
    }
}

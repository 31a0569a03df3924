import Foundation
import StrataCore
import StrataExport
import StrataTestSupport
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
        // The name as drawn: the layer's own name inside its model's cluster (which may contain `/`).
        func name(_ box: Diagram.Box) -> String {
            let prefix = box.cluster.joined(separator: "/") + "/"
            return box.cluster.isEmpty || !box.name.hasPrefix(prefix) ? box.name : String(box.name.dropFirst(prefix.count))
        }
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
            Golden.assertMatches(output, golden: DiagramCommandTests.goldens + "/" + golden)
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

    /// Keras 2 names containing `/` (DenseNet's `conv1/conv`) are flat layers, drawn with their full
    /// names; only the nested model `block` is a cluster, and its own layer `block/conv` is drawn in it
    /// under that full name. Nesting comes from the file's structure, never from a name.
    func testSlashInALayerNameIsNotNesting() throws {
        for fixture in ["slash_names.k2.h5", "slash_names.k2.keras"] {
            let model = try ModelLoader.load(Self.keras + "/" + fixture, config: nil)
            let diagram = try Diagram(model: model)
            let layers = Dictionary(uniqueKeysWithValues: diagram.boxes.filter { $0.role == .layer }.map { ($0.name, $0) })
            for flat in ["conv1/conv", "conv1/bn", "conv1/relu", "conv1/concat", "pool/gap", "head/dense"] {
                XCTAssertEqual(layers[flat]?.cluster, [], "\(fixture): \(flat)")
            }
            XCTAssertEqual(layers["block/block/conv"]?.cluster, ["block"], fixture)
            XCTAssertEqual(layers["block/block/relu"]?.cluster, ["block"], fixture)
            let dot = DOTWriter.render(diagram, options: DiagramOptions())
            XCTAssertEqual(dot.components(separatedBy: "subgraph ").count - 1, 1, "\(fixture): one cluster")
            for label in ["<B>conv1/conv</B>", "<B>block/conv</B>", "<B>head/dense</B>"] {
                XCTAssertTrue(dot.contains(label), "\(fixture): no label \(label)")
            }
        }
    }

    /// A nested Functional model with two inputs whose last layer is a nested Sequential ending in a
    /// pass-through layer, as the importer lowers it (Dense as Relu, Concatenate as Add, Dropout as
    /// no op), against the edges model_to_dot(expand_nested=True) draws for that model, nested
    /// InputLayers contracted: tf_keras 2.21 joins both inputs of the call to `ib` (first in the
    /// nested model's layer order) and draws both outputs from `cat` (its last layer that is not a
    /// model); Keras 3.15 joins input i to the model's i-th input and follows each output down.
    func testNestedModelBoundariesFollowEachKerasVersion() throws {
        func row(_ layer: String, _ className: String, _ connectedTo: [String] = []) -> SourceLayer {
            SourceLayer(path: layer.split(separator: "/").map(String.init), className: className, category: nil,
                        connectedTo: connectedTo, isModel: className == "Functional" || className == "Sequential")
        }
        let rows: [SourceLayer] = [
            row("x", "InputLayer"), row("px", "Dense", ["x[0][0]"]), row("y", "InputLayer"),
            row("two_in", "Functional", ["px[0][0]", "y[0][0]"]),
            row("two_in/ib", "InputLayer"), row("two_in/ia", "InputLayer"),
            row("two_in/db", "Dense", ["ib[0][0]"]), row("two_in/da", "Dense", ["ia[0][0]"]),
            row("two_in/drop", "Dropout", ["db[0][0]"]), row("two_in/cat", "Concatenate", ["da[0][0]", "drop[0][0]"]),
            row("two_in/tail", "Sequential", ["cat[0][0]"]),
            row("two_in/tail/tail_dense", "Dense", ["tail_in[0][0]"]),
            row("two_in/tail/tail_drop", "Dropout", ["tail_dense[0][0]"]),
            row("head", "Concatenate", ["two_in[0][0]", "two_in[0][1]"]),
        ]
        func node(_ layer: String, _ op: String, _ inputs: [String]) -> Node {
            Node(name: layer + "/" + op, opType: op, inputs: inputs, outputs: [layer], source: SourceInfo(name: layer, type: op))
        }
        let nodes = [
            node("px", "Relu", ["x"]), node("two_in/db", "Relu", ["y"]), node("two_in/da", "Relu", ["px"]),
            node("two_in/cat", "Add", ["two_in/da", "two_in/db"]), node("two_in/tail/tail_dense", "Relu", ["two_in/cat"]),
            node("head", "Add", ["two_in/tail/tail_dense", "two_in/da"]),
        ]
        let captures: [(String, Int, String)] = [
            ("x", 0, "x"), ("px", 0, "px"), ("y", 0, "y"), ("two_in/ib", 0, "y"), ("two_in/ia", 0, "px"),
            ("two_in/db", 0, "two_in/db"), ("two_in/da", 0, "two_in/da"), ("two_in/drop", 0, "two_in/db"),
            ("two_in/cat", 0, "two_in/cat"), ("two_in/tail/tail_in", 0, "two_in/cat"),
            ("two_in/tail/tail_dense", 0, "two_in/tail/tail_dense"), ("two_in/tail/tail_drop", 0, "two_in/tail/tail_dense"),
            ("two_in/tail", 0, "two_in/tail/tail_dense"), ("two_in", 0, "two_in/tail/tail_dense"), ("two_in", 1, "two_in/da"),
            ("head", 0, "head"),
        ]
        let type = ValueType(.float32, [.symbol("N"), .known(4)])
        let graph = Graph(
            name: "probe", nodes: nodes, inputs: [ValueInfo(name: "x", type: type), ValueInfo(name: "y", type: type)],
            outputs: [ValueInfo(name: "head", type: type)],
            layers: captures.map { LayerOutput(layer: $0.0, op: "", call: 0, output: $0.1, tensor: $0.2) })
        let expected = [
            "2.21.0": ["cat -> head", "cat -> tail_dense", "da -> cat", "db -> drop", "drop -> cat", "px -> db",
                       "tail_dense -> tail_drop", "x -> px", "y -> db"],
            "3.15.1": ["cat -> tail_dense", "da -> cat", "da -> head", "db -> drop", "drop -> cat", "px -> da",
                       "tail_dense -> tail_drop", "tail_drop -> head", "x -> px", "y -> db"],
        ]
        for (version, edges) in expected {
            let model = Model(graph: graph, format: .kerasArchive, path: "probe.keras", producer: "keras",
                              producerVersion: version, layout: .nhwc, sourceLayers: rows)
            XCTAssertEqual(Self.strata(try Diagram(model: model), withInputs: true).edges.sorted(), edges, "Keras \(version)")
        }
    }
}

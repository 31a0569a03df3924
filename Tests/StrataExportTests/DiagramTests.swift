import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataExport

final class DiagramTests: XCTestCase {
    func dot(_ model: Model, _ configure: (inout DiagramOptions) -> Void = { _ in }) throws -> String {
        var options = DiagramOptions()
        configure(&options)
        return DOTWriter.render(try Diagram(model: model, options: options), options: options)
    }

    func layerNames(_ diagram: Diagram) -> [String] {
        diagram.boxes.filter { $0.role == .layer }.map(\.name)
    }

    func edgeNames(_ diagram: Diagram) -> [String] {
        diagram.edges.map { diagram.boxes[$0.from].name + " -> " + diagram.boxes[$0.to].name }
    }

    // MARK: goldens (each also rendered by Graphviz)

    func testKerasGoldens() throws {
        let cases: [(String, Model, (inout DiagramOptions) -> Void)] = [
            ("keras-sequential.dot", DiagramModels.sequential, { _ in }),
            ("keras-sequential-all.dot", DiagramModels.sequential, {
                $0.showParams = true; $0.showAttrs = true; $0.showDtype = true; $0.legend = true
                $0.edgeShapes = true; $0.rankdir = .LR
            }),
            ("keras-functional.dot", DiagramModels.functional, { $0.showParams = true; $0.legend = true }),
            ("keras-nested.dot", DiagramModels.nested, { $0.showParams = true }),
            ("keras-nested-collapsed.dot", DiagramModels.nested, { $0.expandNested = false }),
            ("keras-nested-depth2.dot", DiagramModels.nested, { $0.maxDepth = 2 }),
        ]
        for (name, model, configure) in cases {
            let text = try dot(model, configure)
            Golden.assertMatches(text, golden: DiagramGolden.folder + "/" + name)
            DiagramGolden.assertRenders(text)
        }
    }

    // MARK: Keras layers

    func testKerasLayersAreOneBoxEachAndSharedLayersAreDrawnOnce() throws {
        let diagram = try Diagram(model: DiagramModels.functional)
        XCTAssertEqual(layerNames(diagram), ["shared", "add", "concatenate", "head"])
        XCTAssertEqual(diagram.boxes.map(\.role), [.input, .input, .layer, .layer, .layer, .layer, .output])
        XCTAssertEqual(Set(edgeNames(diagram)), [
            "left -> shared", "right -> shared", "shared -> add", "shared -> concatenate", "add -> concatenate",
            "concatenate -> head", "head -> head/add",
        ])
        let shared = try XCTUnwrap(diagram.boxes.first { $0.name == "shared" })
        XCTAssertEqual(shared.type, "Dense")
        XCTAssertEqual(shared.category, .dense)
        XCTAssertEqual(shared.parameters, 4 * 6 + 6, "weights of a shared layer count once")
        XCTAssertEqual(shared.outputs.count, 2, "one output per call")
        XCTAssertEqual(diagram.boxes.first { $0.name == "add" }?.category, .merge)
        XCTAssertEqual(diagram.boxes.first { $0.name == "concatenate" }?.category, .merge)
    }

    func testNestedModelsAreClustersOrCollapsedBoxes() throws {
        let expanded = try Diagram(model: DiagramModels.nested)
        XCTAssertEqual(layerNames(expanded), ["encoder/dense_a", "encoder/block/dense_b", "head"])
        XCTAssertEqual(expanded.boxes.map(\.cluster), [[], ["encoder"], ["encoder", "block"], [], []])
        let text = try dot(DiagramModels.nested)
        XCTAssertTrue(text.contains("subgraph cluster_encoder {"))
        XCTAssertTrue(text.contains("subgraph cluster_encoder_block {"))

        var collapse = DiagramOptions()
        collapse.expandNested = false
        let collapsed = try Diagram(model: DiagramModels.nested, options: collapse)
        XCTAssertEqual(layerNames(collapsed), ["encoder", "head"])
        XCTAssertEqual(collapsed.boxes[1].type, "Model")
        XCTAssertEqual(collapsed.boxes[1].parameters, 4 * 8 + 8 + 8 * 8 + 8)
        XCTAssertEqual(edgeNames(collapsed), ["x -> encoder", "encoder -> head", "head -> head/out"])
        XCTAssertFalse(try dot(DiagramModels.nested) { $0.expandNested = false }.contains("subgraph"))

        var depth = DiagramOptions()
        depth.maxDepth = 2
        let two = try Diagram(model: DiagramModels.nested, options: depth)
        XCTAssertEqual(layerNames(two), ["encoder/dense_a", "encoder/block", "head"])
        XCTAssertEqual(two.boxes.map(\.cluster), [[], ["encoder"], ["encoder"], [], []])
    }

    func testKeyAttributesOfALayer() throws {
        var options = DiagramOptions()
        options.showAttrs = true
        let diagram = try Diagram(model: DiagramModels.sequential, options: options)
        let dense = try XCTUnwrap(diagram.boxes.first { $0.name == "dense_1" })
        XCTAssertEqual(dense.attributes.map { "\($0.0) \($0.1)" }, ["units 8", "activation relu"])
    }

    // MARK: ONNX readability

    func testShapeSideGraphsAndConstantsAreFoldedUnlessAllNodes() throws {
        let folded = try Diagram(model: DiagramModels.shapeChain)
        XCTAssertEqual(layerNames(folded), ["reshape", "relu"])
        XCTAssertEqual(edgeNames(folded), ["x -> reshape", "reshape -> relu", "relu -> y"])
        XCTAssertEqual(folded.boxes.first { $0.name == "reshape" }?.outputs, [ValueType(.float32, [.symbol("N"), 4, 2])])

        var all = DiagramOptions()
        all.allNodes = true
        let everything = try Diagram(model: DiagramModels.shapeChain, options: all)
        XCTAssertEqual(Set(layerNames(everything)), ["shape", "gather", "axes", "unsqueeze", "concat", "reshape", "relu"])
        XCTAssertEqual(everything.boxes.filter { $0.role == .weight }.map(\.name), ["zero", "tail"])
        XCTAssertTrue(edgeNames(everything).contains("x -> shape"))
        XCTAssertTrue(edgeNames(everything).contains("concat -> reshape"))
    }

    func testFromAndToFindNestedLayersByTheirOwnName() throws {
        var options = DiagramOptions()
        options.from = "dense_b"
        let diagram = try Diagram(model: DiagramModels.nested, options: options)
        XCTAssertEqual(layerNames(diagram), ["encoder/block/dense_b", "head"])
    }

    func testFromAndToKeepOnlyThePartBetween() throws {
        var options = DiagramOptions()
        options.from = "block1/relu1"
        options.to = "block2/conv1"
        let diagram = try Diagram(model: DiagramModels.residualTower(blocks: 4), options: options)
        XCTAssertEqual(layerNames(diagram), ["block1/relu1", "block1/conv2", "block1/add", "block1/relu2", "block2/conv1"])
        XCTAssertEqual(diagram.edges.count, 4)

        options.from = nil
        options.to = "block0/add"
        XCTAssertEqual(
            layerNames(try Diagram(model: DiagramModels.residualTower(blocks: 4), options: options)),
            ["block0/conv1", "block0/relu1", "block0/conv2", "block0/add"])

        options.to = "nope"
        XCTAssertThrowsError(try Diagram(model: DiagramModels.residualTower(blocks: 1), options: options)) { error in
            XCTAssertEqual((error as? StrataError)?.description, "no layer named 'nope' (`strata layers` lists them)")
        }
        options.from = "block1/add"
        options.to = "block0/conv1"
        XCTAssertThrowsError(try Diagram(model: DiagramModels.residualTower(blocks: 2), options: options)) { error in
            XCTAssertEqual(
                (error as? StrataError)?.description, "layer 'block0/conv1' is not downstream of layer 'block1/add'")
        }
    }

    // MARK: escaping and determinism

    func testLabelsEscapeEveryHostileCharacter() {
        XCTAssertEqual(DOTText.html(#"a"b'c"#), "a&quot;b&#39;c")
        XCTAssertEqual(DOTText.html("<B>&amp;</B>"), "&lt;B&gt;&amp;amp;&lt;/B&gt;")
        XCTAssertEqual(DOTText.html("a\nb\tc\u{1}d\u{7F}"), "a<BR/>b\\u{9}c\\u{1}d\\u{7F}")
        XCTAssertEqual(DOTText.html("back\\slash\\"), "back\\slash\\")
        XCTAssertEqual(DOTText.html("ünï 名前 🧪 \u{FFFF}"), "ünï 名前 🧪 \\u{FFFF}")
        XCTAssertEqual(DOTText.identifier("a/b:c ü-1"), "a_b_c___1")
    }

    func testHostileNamesRenderThroughGraphviz() throws {
        let names = [
            #"q"uote"#, "back\\slash\\", "<b>&amp;</b>", "outer/inner:0", "new\nline\ttab\u{1}", "{a}; b=c -> d -- e",
            "ünïcødé 名前 שלום e\u{301} 🧪 \u{FFFF}", "", "/", "\\",
        ]
        var graph = Graph(name: "hostile", inputs: [ValueInfo(name: names[0], type: ValueType(.float32, [2]))])
        var previous = names[0]
        for (i, name) in names.enumerated() {
            let layer = name.isEmpty ? "unnamed" : name
            graph.nodes.append(Node(
                name: "node\(i)", opType: "Relu", inputs: [previous], outputs: [layer + "#\(i)"],
                source: SourceInfo(name: i % 2 == 0 ? "outer \(name)/" + layer : layer, type: name.isEmpty ? "X" : name)))
            previous = layer + "#\(i)"
        }
        graph.outputs = [ValueInfo(name: previous, type: ValueType(.float32, [2]))]
        for format in [ModelFormat.onnx, .kerasH5] {
            let model = Model(graph: graph, format: format, path: "h", layout: .nchw)
            let text = try dot(model) { $0.showAttrs = true; $0.edgeShapes = true; $0.legend = true }
            DiagramGolden.assertRenders(text)
            XCTAssertFalse(text.contains("\u{1}"))
            XCTAssertFalse(text.contains("\t"))
        }
    }

    func testOutputIsDeterministic() throws {
        for model in [DiagramModels.functional, DiagramModels.nested, DiagramModels.residualTower(blocks: 20)] {
            let a = try dot(model) { $0.showAttrs = true; $0.showParams = true; $0.legend = true; $0.edgeShapes = true }
            let b = try dot(model) { $0.showAttrs = true; $0.showParams = true; $0.legend = true; $0.edgeShapes = true }
            XCTAssertEqual(a, b)
        }
    }

    // MARK: size

    /// 1,500 nodes (300 residual blocks). The time is printed, not asserted (debug builds and a
    /// shared machine make a bound flaky); Docs/Diagrams.md reports the release time.
    func testThousandNodeGraph() throws {
        let model = DiagramModels.residualTower(blocks: 300)
        let start = Date()
        let text = try dot(model) { $0.showAttrs = true; $0.showParams = true }
        let seconds = Date().timeIntervalSince(start)
        print("diagram of \(model.graph.nodes.count) nodes: \(String(format: "%.3f", seconds)) s")
        XCTAssertEqual(text.components(separatedBy: " -> ").count - 1, 300 * 6 + 1)
        XCTAssertEqual(text.components(separatedBy: "[label=<<B>").count - 1, 1 + 1500 + 1)
    }

    // MARK: config

    func testConfigSetsOptionsByLongName() throws {
        var options = DiagramOptions()
        try options.apply(config: Data(#"{"rankdir": "LR", "show-params": true, "max-depth": 2, "from": "a", "collapse-nested": true, "to": null}"#.utf8))
        XCTAssertEqual(options.rankdir, .LR)
        XCTAssertTrue(options.showParams)
        XCTAssertEqual(options.maxDepth, 2)
        XCTAssertEqual(options.from, "a")
        XCTAssertNil(options.to)
        XCTAssertFalse(options.expandNested)
    }

    func testConfigRefusesUnknownKeysAndWrongTypes() {
        let cases: [(String, String)] = [
            (#"{"show-parms": true}"#, "diagram config has an unknown option 'show-parms'"),
            (#"{"show-params": 1}"#, "diagram config 'show-params' has the wrong type"),
            (#"{"rankdir": "UP"}"#, "diagram config 'rankdir' must be one of TB, LR, BT, RL"),
            (#"{"max-depth": 0}"#, "diagram config 'max-depth' must be at least 1"),
            (#"[1]"#, "diagram config must be a JSON object"),
        ]
        for (json, message) in cases {
            var options = DiagramOptions()
            XCTAssertThrowsError(try options.apply(config: Data(json.utf8)), json) { error in
                XCTAssertEqual((error as? StrataError)?.description, message)
            }
        }
    }

    func testMissingGraphvizIsAClearError() {
        XCTAssertThrowsError(try GraphvizRenderer(searchPath: "/nonexistent")) { error in
            XCTAssertEqual(
                (error as? StrataError)?.description,
                "Graphviz 'dot' was not found on PATH; install graphviz (e.g. apt-get install graphviz) "
                    + "or write DOT text instead (-o FILE.dot, or no -o for standard output)")
        }
    }
}

import StrataCore
import StrataTestSupport
import Synchronization
import XCTest
@testable import StrataEngine

/// Planning, freeing, folding and input checking of `Engine`, on small hand-built graphs.
final class RuntimeEngineTests: XCTestCase {
    private static func model(_ graph: Graph) -> Model {
        Model(graph: graph, format: .onnx, path: "", layout: .nchw)
    }

    private static let x = ValueInfo(name: "x", type: ValueType(.float32, [.symbol("N"), 3]))

    /// x → a = Relu(x) → b = Neg(a) → c = Abs(b); bad = Add(x, w) with w of a shape that cannot
    /// broadcast with x.
    private static func chainGraph() -> Graph {
        Graph(
            name: "chain",
            nodes: [
                Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["a"]),
                Node(name: "neg", opType: "Neg", inputs: ["a"], outputs: ["b"]),
                Node(name: "abs", opType: "Abs", inputs: ["b"], outputs: ["c"]),
                Node(name: "bad", opType: "Add", inputs: ["x", "w"], outputs: ["d"]),
            ],
            inputs: [x], outputs: [ValueInfo(name: "c", type: ValueType(.float32, nil))],
            initializers: ["w": Tensor([1, 2, 3, 4] as [Float], shape: [4])]
        )
    }

    private let input = Tensor([-1, 2, -3, 4, -5, 6] as [Float], shape: [2, 3])

    func testRunsOnlyNeededNodes() throws {
        let engine = try Engine(model: Self.model(Self.chainGraph()), options: EngineOptions(threads: 1))
        var progress: [(Int, Int)] = []
        var captured: [String: [Float]] = [:]
        let rows = try engine.model.graph.resolve([.name("neg")])
        try engine.run(inputs: ["x": input], capture: rows, progress: { progress.append(($0, $1)) }) { row, t in
            captured[row.layer] = t.floats()
        }
        XCTAssertEqual(captured, ["neg": [0, -2, 0, -4, 0, -6]])
        XCTAssertEqual(progress.map(\.0), [1, 2])
        XCTAssertEqual(progress.map(\.1), [2, 2])
    }

    func testKernelErrorsCarryTheNode() throws {
        let engine = try Engine(model: Self.model(Self.chainGraph()))
        XCTAssertThrowsError(try engine.run(inputs: ["x": input], tensors: ["d"])) { error in
            XCTAssertEqual((error as? StrataError)?.description,
                           "node 'bad' (Add): shapes [2, 3] and [4] cannot be broadcast together")
        }
    }

    func testIntermediatesAreFreedAfterTheirLastConsumer() throws {
        let engine = try Engine(model: Self.model(Self.chainGraph()))
        weak var relu: TensorStorage?
        var reluWasFreedBeforeAbs: Bool?
        let rows = try engine.model.graph.resolve([.name("relu"), .name("abs")])
        try engine.run(inputs: ["x": input], capture: rows) { row, t in
            if row.layer == "relu" { relu = t.storage }
            if row.layer == "abs" { reluWasFreedBeforeAbs = relu == nil }
        }
        XCTAssertEqual(reluWasFreedBeforeAbs, true)
    }

    func testUnsupportedOpFailsAtInit() {
        var graph = Self.chainGraph()
        graph.nodes.append(Node(name: "mystery", opType: "NoSuchOp", inputs: ["x"], outputs: ["m"]))
        XCTAssertThrowsError(try Engine(model: Self.model(graph))) { error in
            XCTAssertEqual((error as? StrataError)?.kind, .unsupported)
            XCTAssertEqual((error as? StrataError)?.description, "node 'mystery' (NoSuchOp): unsupported op 'NoSuchOp'")
        }
    }

    func testConstantSubgraphsAreFoldedAndStillCapturable() throws {
        let graph = Graph(
            nodes: [
                Node(name: "sum", opType: "Add", inputs: ["p", "q"], outputs: ["s"]),
                Node(name: "scale", opType: "Mul", inputs: ["x", "s"], outputs: ["y"]),
            ],
            inputs: [ValueInfo(name: "x", type: ValueType(.float32, [2]))],
            initializers: ["p": Tensor([1, 2] as [Float], shape: [2]), "q": Tensor([10, 20] as [Float], shape: [2])]
        )
        let engine = try Engine(model: Self.model(graph))
        XCTAssertEqual(engine.constants["s"]?.floats(), [11, 22])
        var steps = 0
        var captured: [String: [Float]] = [:]
        try engine.run(inputs: ["x": Tensor([2, 3] as [Float], shape: [2])], capture: graph.captureTable,
                       progress: { done, _ in steps = done }) { row, t in captured[row.tensor] = t.floats() }
        XCTAssertEqual(captured, ["s": [11, 22], "y": [22, 66]])
        XCTAssertEqual(steps, 1)
    }

    func testLargeFoldedResultsAreComputedPerRunInstead() throws {
        let graph = Graph(
            nodes: [Node(name: "outer", opType: "Add", inputs: ["p", "q"], outputs: ["s"])],
            initializers: ["p": Tensor([Float](repeating: 1, count: 1500), shape: [1500, 1]),
                           "q": Tensor([Float](repeating: 2, count: 1000), shape: [1, 1000])]
        )
        let engine = try Engine(model: Self.model(graph))
        XCTAssertNil(engine.constants["s"])
        let s = try engine.run(inputs: [:], tensors: ["s"])["s"]
        XCTAssertEqual(s?.shape, [1500, 1000])
        XCTAssertEqual(s?.floats().allSatisfy { $0 == 3 }, true)
    }

    func testInitializerInputsAreOverridableDefaults() throws {
        let graph = Graph(
            nodes: [Node(name: "add", opType: "Add", inputs: ["w", "v"], outputs: ["y"])],
            inputs: [ValueInfo(name: "w", type: ValueType(.float32, [1]))],
            initializers: ["w": Tensor([1] as [Float], shape: [1]), "v": Tensor([5] as [Float], shape: [1])]
        )
        let engine = try Engine(model: Self.model(graph))
        XCTAssertNil(engine.constants["y"])
        XCTAssertEqual(try engine.run(inputs: [:], tensors: ["y"])["y"]?.floats(), [6])
        XCTAssertEqual(try engine.run(inputs: ["w": Tensor([2] as [Float], shape: [1])], tensors: ["y", "w"])["y"]?.floats(), [7])
    }

    func testInputValidationMessages() throws {
        let graph = Graph(
            nodes: [Node(name: "add", opType: "Add", inputs: ["x", "y"], outputs: ["z"])],
            inputs: [ValueInfo(name: "x", type: ValueType(.float32, [.symbol("N"), 3, 32, 32])),
                     ValueInfo(name: "y", type: ValueType(.float32, [.symbol("N"), 1, 1, 1]))]
        )
        let notices = Mutex<[String]>([])
        let engine = try Engine(model: Self.model(graph), options: EngineOptions(notice: { text in notices.withLock { $0.append(text) } }))
        let y = try Tensor(dtype: .float32, shape: [1, 1, 1, 1], zeroed: true)
        func message(_ inputs: [String: Tensor]) -> String? {
            do {
                _ = try engine.run(inputs: inputs, tensors: ["z"])
                return nil
            } catch let error as StrataError {
                XCTAssertEqual(error.kind, .invalidInput)
                return error.description
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(message(["x": try Tensor(dtype: .float32, shape: [1, 3, 64, 64]), "y": y]),
                       "input 'x': expected float32[N, 3, 32, 32], got float32[1, 3, 64, 64]")
        XCTAssertEqual(message(["x": try Tensor(dtype: .float64, shape: [1, 3, 32, 32]), "y": y]),
                       "input 'x': expected float32[N, 3, 32, 32], got float64[1, 3, 32, 32]")
        XCTAssertEqual(message(["x": try Tensor(dtype: .float32, shape: [3, 32, 32]), "y": y]),
                       "input 'x': expected float32[N, 3, 32, 32], got float32[3, 32, 32]")
        // A shared dimension name is a hint: sizes that disagree give a notice, not an error.
        XCTAssertNil(message(["x": try Tensor(dtype: .float32, shape: [2, 3, 32, 32], zeroed: true), "y": y]))
        XCTAssertEqual(notices.withLock { $0 }, [
            "dimension 'N' is 2 in input 'x' and 1 in input 'y'; a shared name is only a hint, so each input keeps its size",
        ])
        XCTAssertEqual(message(["y": y]), "missing input 'x' (float32[N, 3, 32, 32])")
        XCTAssertEqual(message(["x": try Tensor(dtype: .float32, shape: [1, 3, 32, 32]), "y": y, "img": y]),
                       "unknown input 'img'; the model's inputs are: x, y")
        XCTAssertNil(message(["x": try Tensor(dtype: .float32, shape: [1, 3, 32, 32], zeroed: true), "y": y]))
    }

    /// An importer's own capture table: a layer called twice, and a row holding a graph input.
    func testImporterCaptureTableRows() throws {
        var graph = Self.chainGraph()
        graph.layers = [
            LayerOutput(layer: "input", op: "InputLayer", output: 0, tensor: "x"),
            LayerOutput(layer: "act", op: "Activation", call: 0, output: 0, tensor: "a"),
            LayerOutput(layer: "act", op: "Activation", call: 1, output: 0, tensor: "c"),
            LayerOutput(layer: "act_alias", op: "Activation", output: 0, tensor: "c"),
        ]
        let engine = try Engine(model: Self.model(graph))
        let rows = try graph.resolve([.name("act"), .name("act_alias"), .name("input")])
        var seen: [String] = []
        try engine.run(inputs: ["x": input], capture: rows) { row, t in
            seen.append("\(row.layer)#\(row.call ?? -1)=\(t.floats()[1])")
        }
        XCTAssertEqual(seen, ["input#-1=2.0", "act#0=2.0", "act#1=2.0", "act_alias#-1=2.0"])
    }

    func testConvenienceRunReturnsNamedTensors() throws {
        let engine = try Engine(model: Self.model(Self.chainGraph()))
        let out = try engine.run(inputs: ["x": input], tensors: ["c", "a", "x"])
        XCTAssertEqual(out["c"]?.floats(), [0, 2, 0, 4, 0, 6])
        XCTAssertEqual(out["a"]?.floats(), [0, 2, 0, 4, 0, 6])
        XCTAssertEqual(out["x"]?.floats(), input.floats())
        XCTAssertThrowsError(try engine.run(inputs: ["x": input], tensors: ["nope"])) { error in
            XCTAssertEqual((error as? StrataError)?.message, "no tensor named 'nope' in the graph")
        }
    }

    func testParallelRunMatchesSingleThreaded() throws {
        var rng = SeededGenerator(seed: 21)
        let big = ElementwiseTestSupport.random([200_000, 3], &rng)
        let one = try Engine(model: Self.model(Self.chainGraph()), options: EngineOptions(threads: 1))
        let many = try Engine(model: Self.model(Self.chainGraph()), options: EngineOptions(threads: 4))
        XCTAssertEqual(try one.run(inputs: ["x": big], tensors: ["c"])["c"]?.floats(),
                       try many.run(inputs: ["x": big], tensors: ["c"])["c"]?.floats())
    }
}

import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataEngine

/// `Engine.gradients` on a small hand-built classifier: planning, fan-out accumulation, targets,
/// the logit before the final Softmax, batches, fusion, and the errors.
final class GradientEngineTests: XCTestCase {
    /// x → Conv → Relu (r) → {MaxPool, AveragePool} → Add → GlobalAveragePool → Flatten → Gemm (logits)
    /// → Softmax (probs). Relu's output fans out to both pools.
    private static func classifier() -> Model {
        var rng = SeededGenerator(seed: 3)
        func r(_ shape: [Int]) -> Tensor { GradientCheck.random(shape, in: -1...1, &rng) }
        let pool: [String: Attribute] = ["kernel_shape": .ints([3, 3]), "strides": .ints([1, 1]), "pads": .ints([1, 1, 1, 1])]
        let graph = Graph(
            name: "classifier",
            nodes: [
                Node(name: "conv", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
                Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["r"]),
                Node(name: "max", opType: "MaxPool", inputs: ["r"], outputs: ["m"], attributes: pool),
                Node(name: "avg", opType: "AveragePool", inputs: ["r"], outputs: ["a"], attributes: pool),
                Node(name: "add", opType: "Add", inputs: ["m", "a"], outputs: ["s"]),
                Node(name: "gap", opType: "GlobalAveragePool", inputs: ["s"], outputs: ["g"]),
                Node(name: "flat", opType: "Flatten", inputs: ["g"], outputs: ["f"]),
                Node(name: "fc", opType: "Gemm", inputs: ["f", "fw", "fb"], outputs: ["logits"], attributes: ["transB": .int(1)]),
                Node(name: "softmax", opType: "Softmax", inputs: ["logits"], outputs: ["probs"], attributes: ["axis": .int(1)]),
            ],
            inputs: [ValueInfo(name: "x", type: ValueType(.float32, [.symbol("N"), 2, 5, 5]))],
            outputs: [ValueInfo(name: "probs", type: ValueType(.float32, nil))],
            initializers: ["w": r([4, 2, 3, 3]), "b": r([4]), "fw": r([3, 4]), "fb": r([3])]
        )
        return Model(graph: graph, format: .onnx, path: "", layout: .nchw)
    }

    private func input(_ seed: UInt64 = 5) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return GradientCheck.random([2, 2, 5, 5], in: -1...1, &rng)
    }

    /// Σ over rows of `tensor[row, index[row]]`, by running the engine forward.
    private func score(_ engine: Engine, _ x: Tensor, tensor: String, indices: [Int]) throws -> Double {
        let y = try engine.run(inputs: ["x": x], tensors: [tensor])[tensor]!
        let width = y.count / y.shape[0]
        return indices.enumerated().reduce(0) { $0 + y.doubleValue(at: $1.offset * width + $1.element) }
    }

    private func assertMatchesFiniteDifferences(_ engine: Engine, _ run: GradientRun, x: Tensor, tensor: String,
                                                file: StaticString = #filePath, line: UInt = #line) throws {
        let got = run.gradients["x"]!
        XCTAssertEqual(got.shape, x.shape, file: file, line: line)
        let h: Float = 2e-3
        var worst = 0.0
        var scale = 0.01
        for j in stride(from: 0, to: x.count, by: 3) {
            let plus = try x.copy(), minus = try x.copy()
            plus.pointer(as: Float.self)[j] += h
            minus.pointer(as: Float.self)[j] -= h
            let numeric = (try score(engine, plus, tensor: tensor, indices: run.targetIndices)
                - score(engine, minus, tensor: tensor, indices: run.targetIndices)) / Double(2 * h)
            scale = max(scale, abs(numeric))
            worst = max(worst, abs(numeric - got.doubleValue(at: j)))
        }
        XCTAssertLessThanOrEqual(worst, 1e-2 * scale, "gradient of '\(tensor)' with respect to x", file: file, line: line)
    }

    func testTopLogitGradientMatchesFiniteDifferences() throws {
        let engine = try Engine(model: Self.classifier(), options: EngineOptions(threads: 2))
        let x = input()
        let run = try engine.gradients(inputs: ["x": x], request: GradientRequest(withRespectTo: ["x", "r", "c"]))
        XCTAssertEqual(run.output, "probs")
        XCTAssertEqual(run.scoredTensor, "logits")
        let logits = run.logits!.floats()
        for row in 0..<2 {
            let values = Array(logits[row * 3 ..< row * 3 + 3])
            XCTAssertEqual(run.targetIndices[row], values.firstIndex(of: values.max()!)!)
            XCTAssertEqual(run.scores[row], values.max()!)
        }
        XCTAssertEqual(run.probabilities?.shape, [2, 3])
        XCTAssertFalse(run.differentiatesProbability)
        try assertMatchesFiniteDifferences(engine, run, x: x, tensor: "logits")
        // Relu passes the gradient exactly where its output is positive.
        let (dr, dc, r) = (run.gradients["r"]!.floats(), run.gradients["c"]!.floats(), run.activations["r"]!.floats())
        for i in dr.indices { XCTAssertEqual(dc[i], r[i] > 0 ? dr[i] : 0) }
    }

    func testProbabilityAndIndexTargets() throws {
        let engine = try Engine(model: Self.classifier())
        let x = input(9)
        let run = try engine.gradients(inputs: ["x": x], request: GradientRequest(target: .index(1), differentiateProbability: true,
                                                                                withRespectTo: ["x"]))
        XCTAssertEqual(run.scoredTensor, "probs")
        XCTAssertEqual(run.targetIndices, [1, 1])
        XCTAssertNotNil(run.logits)
        XCTAssertTrue(run.differentiatesProbability)
        try assertMatchesFiniteDifferences(engine, run, x: x, tensor: "probs")
    }

    /// Each row's gradient is that of its own target: row 1's input does not move row 0's score.
    func testBatchRowsAreIndependent() throws {
        let engine = try Engine(model: Self.classifier())
        let x = input()
        let batch = try engine.gradients(inputs: ["x": x], request: GradientRequest(withRespectTo: ["x"]))
        let half = x.count / 2
        let first = Tensor(Array(x.floats()[..<half]), shape: [1, 2, 5, 5])
        let single = try engine.gradients(inputs: ["x": first], request: GradientRequest(target: .index(batch.targetIndices[0]),
                                                                                       withRespectTo: ["x"]))
        let a = Array(batch.gradients["x"]!.floats()[..<half]), b = single.gradients["x"]!.floats()
        for i in a.indices { XCTAssertEqual(a[i], b[i], accuracy: 1e-6) }
    }

    func testFusionDoesNotChangeGradients() throws {
        let fused = try Engine(model: Self.classifier(), options: EngineOptions(threads: 2))
        let plain = try Engine(model: Self.classifier(), options: EngineOptions(threads: 2, fusion: false))
        let x = input()
        let request = GradientRequest(withRespectTo: ["x", "r"])
        let a = try fused.gradients(inputs: ["x": x], request: request), b = try plain.gradients(inputs: ["x": x], request: request)
        XCTAssertEqual(a.gradients["x"]!.floats(), b.gradients["x"]!.floats())
        XCTAssertEqual(a.gradients["r"]!.floats(), b.gradients["r"]!.floats())
    }

    func testTensorTheScoreDoesNotDependOnGetsZeros() throws {
        let engine = try Engine(model: Self.classifier())
        let run = try engine.gradients(inputs: ["x": input()], request: GradientRequest(output: "m", withRespectTo: ["a", "x"]))
        XCTAssertEqual(run.scoredTensor, "m")
        XCTAssertEqual(Set(run.gradients["a"]!.floats()), [0])
        XCTAssertNotEqual(Set(run.gradients["x"]!.floats()), [0])
    }

    /// A Keras layer's captured NHWC copy that nothing reads gets the gradient of the layer's NCHW
    /// value, transposed; in an ONNX model the same graph gives it zeros (it is an ordinary tensor).
    func testKerasLayoutCopyTakesTheLayersGradient() throws {
        var rng = SeededGenerator(seed: 21)
        let graph = Graph(
            name: "layout",
            nodes: [
                Node(name: "conv/Conv", opType: "Conv", inputs: ["x", "w"], outputs: ["conv/Conv"], attributes: ["pads": .ints([1, 1, 1, 1])]),
                Node(name: "conv/ToNHWC", opType: "Transpose", inputs: ["conv/Conv"], outputs: ["conv"], attributes: ["perm": .ints([0, 2, 3, 1])]),
                Node(name: "relu/Relu", opType: "Relu", inputs: ["conv/Conv"], outputs: ["relu/Relu"]),
                Node(name: "gap/GlobalAveragePool", opType: "GlobalAveragePool", inputs: ["relu/Relu"], outputs: ["gap"]),
                Node(name: "flat/Flatten", opType: "Flatten", inputs: ["gap"], outputs: ["flat"]),
            ],
            inputs: [ValueInfo(name: "x", type: ValueType(.float32, [1, 2, 4, 4]))],
            outputs: [ValueInfo(name: "flat", type: ValueType(.float32, nil))],
            initializers: ["w": GradientCheck.random([3, 2, 3, 3], &rng)])
        let x = GradientCheck.random([1, 2, 4, 4], &rng)
        let request = GradientRequest(withRespectTo: ["conv", "conv/Conv"])
        let keras = try Engine(model: Model(graph: graph, format: .kerasArchive, path: "", layout: .nhwc))
        let run = try keras.gradients(inputs: ["x": x], request: request)
        let nchw = run.gradients["conv/Conv"]!, nhwc = run.gradients["conv"]!
        XCTAssertEqual(nhwc.shape, [1, 4, 4, 3])
        XCTAssertTrue(nchw.floats().contains { $0 != 0 })
        for h in 0..<4 {
            for w in 0..<4 {
                for c in 0..<3 {
                    XCTAssertEqual(nhwc.floats()[(h * 4 + w) * 3 + c], nchw.floats()[(c * 4 + h) * 4 + w])
                }
            }
        }
        let onnx = try Engine(model: Model(graph: graph, format: .onnx, path: "", layout: .nchw))
        XCTAssertEqual(Set(try onnx.gradients(inputs: ["x": x], request: request).gradients["conv"]!.floats()), [0])
    }

    func testErrors() throws {
        let engine = try Engine(model: Self.classifier())
        XCTAssertThrowsError(try engine.gradients(inputs: ["x": input()], request: GradientRequest(target: .index(3), withRespectTo: ["x"]))) {
            XCTAssertEqual(($0 as? StrataError)?.description,
                           "target index 3 is outside 'logits', which has 3 values per row (shape [2, 3])")
        }
        XCTAssertThrowsError(try engine.gradients(inputs: ["x": input()], request: GradientRequest(withRespectTo: ["nope"]))) {
            XCTAssertEqual(($0 as? StrataError)?.description, "no tensor named 'nope' in the graph")
        }
        let graph = Graph(
            name: "lrn",
            nodes: [
                Node(name: "norm", opType: "LRN", inputs: ["x"], outputs: ["y"], attributes: ["size": .int(3)]),
                Node(name: "sum", opType: "ReduceSum", inputs: ["y"], outputs: ["z"]),
            ],
            inputs: [ValueInfo(name: "x", type: ValueType(.float32, [1, 3, 2, 2]))],
            outputs: [ValueInfo(name: "z", type: ValueType(.float32, nil))])
        let lrn = try Engine(model: Model(graph: graph, format: .onnx, path: "", layout: .nchw))
        XCTAssertThrowsError(try lrn.gradients(inputs: ["x": Tensor([Float](repeating: 1, count: 12), shape: [1, 3, 2, 2])],
                                               request: GradientRequest(withRespectTo: ["x"]))) {
            XCTAssertEqual(($0 as? StrataError)?.description,
                           "node 'norm' (LRN): op 'LRN' has no backward rule (not yet written); the gradient with respect to 'x' passes through it")
        }
    }
}

import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataEngine

/// Zero `Pad` nodes folded into the `Conv` reading them (`PadFolding`): which pairs fold, that
/// forward runs then skip the Pad and give bit for bit what the nodes as written give, and that
/// captures and gradients still see the Pad's output.
final class RuntimePadFoldingTests: KernelTierTestCase {
    private struct Case {
        let name: String
        /// [N, C, spatial…]
        let input: [Int]
        /// The Pad's amounts, ONNX order (begins of every axis, then ends).
        let pads: [Int]
        let kernel: [Int]
        var maps = 8
        var group = 1
        var strides: [Int]? = nil
        var dilations: [Int]? = nil
        /// The Conv's own pads; nil leaves the attribute out.
        var convPads: [Int]? = nil
        var autoPad: String? = nil
        /// Pads as an attribute (opset 10) instead of an input.
        var opset = 21
        /// The Pad's `constant_value` input; nil leaves it out.
        var value: Float? = nil
        var mode: String? = nil
        /// The Pad's `axes` input (opset 18 and later); its pads then cover those axes alone.
        var axes: [Int]? = nil
        /// A pointwise expansion (1×1 Conv → Relu) before the Pad, as in MobileNetV2.
        var expansion: Int? = nil
        let folds: Bool
    }

    private static let cases: [Case] = [
        // Keras ResNet50's first layer: ZeroPadding2D(3) → Conv2D(7×7, stride 2, "valid"), three channels.
        Case(name: "resnet-stem", input: [1, 3, 40, 40], pads: [0, 0, 3, 3, 0, 0, 3, 3], kernel: [7, 7], strides: [2, 2], folds: true),
        // MobileNetV2's stride-2 blocks: ZeroPadding2D(((0, 1), (0, 1))) → DepthwiseConv2D(3×3, stride 2, "valid").
        Case(name: "mobilenet-depthwise", input: [1, 16, 30, 30], pads: [0, 0, 0, 0, 0, 0, 1, 1], kernel: [3, 3], maps: 16,
             group: 16, strides: [2, 2], folds: true),
        // The same after a 1×1 expansion large enough to run in bands with it.
        Case(name: "mobilenet-pair", input: [1, 16, 80, 80], pads: [0, 0, 0, 0, 0, 0, 1, 1], kernel: [3, 3], maps: 96,
             group: 96, strides: [2, 2], expansion: 96, folds: true),
        Case(name: "winograd", input: [1, 20, 18, 18], pads: [0, 0, 1, 1, 0, 0, 1, 1], kernel: [3, 3], maps: 24, folds: true),
        Case(name: "added-to-own-pads", input: [1, 6, 17, 15], pads: [0, 0, 1, 0, 0, 0, 0, 1], kernel: [5, 5],
             convPads: [1, 2, 2, 1], opset: 10, folds: true),
        Case(name: "dilated", input: [1, 8, 21, 21], pads: [0, 0, 2, 2, 0, 0, 2, 2], kernel: [3, 3], dilations: [2, 2], folds: true),
        Case(name: "explicit-zero-and-axes", input: [1, 5, 13, 11], pads: [1, 2, 1, 0], kernel: [3, 3], value: 0, axes: [2, 3],
             folds: true),
        Case(name: "valid-auto-pad", input: [1, 5, 12, 12], pads: [0, 0, 1, 1, 0, 0, 1, 1], kernel: [3, 3], autoPad: "VALID", folds: true),
        Case(name: "one-dimensional", input: [2, 4, 33], pads: [0, 0, 2, 0, 0, 1], kernel: [3], strides: [2], folds: true),
        // Pads that do not fold: the Conv reads the Pad's output.
        Case(name: "nonzero-value", input: [1, 5, 12, 12], pads: [0, 0, 1, 1, 0, 0, 1, 1], kernel: [3, 3], value: 0.5, folds: false),
        Case(name: "reflect", input: [1, 5, 12, 12], pads: [0, 0, 1, 1, 0, 0, 1, 1], kernel: [3, 3], mode: "reflect", folds: false),
        Case(name: "channel-axis", input: [1, 5, 12, 12], pads: [0, 1, 1, 1, 0, 0, 1, 1], kernel: [3, 3], folds: false),
        Case(name: "crop", input: [1, 5, 12, 12], pads: [0, 0, -1, 1, 0, 0, 1, 1], kernel: [3, 3], folds: false),
        Case(name: "same-auto-pad", input: [1, 5, 12, 12], pads: [0, 0, 1, 1, 0, 0, 1, 1], kernel: [3, 3], autoPad: "SAME_UPPER",
             folds: false),
        // Rows of nothing but padding.
        Case(name: "beyond-reach", input: [1, 5, 12, 12], pads: [0, 0, 3, 0, 0, 0, 0, 0], kernel: [3, 3], folds: false),
    ]

    private static func graph(_ c: Case, seed: UInt64) -> Graph {
        var rng = SeededGenerator(seed: seed)
        // A Pad of the channel axis widens the Conv's input.
        let channels = (c.expansion ?? c.input[1]) + (c.axes == nil ? c.pads[1] + c.pads[c.input.count + 1] : 0)
        var initializers = ["w": rng.tensor([c.maps, channels / c.group] + c.kernel), "b": rng.tensor([c.maps])]
        var nodes: [Node] = []
        var x = "x"
        if let e = c.expansion {
            initializers["we"] = rng.tensor([e, c.input[1], 1, 1])
            nodes += [Node(name: "expand", opType: "Conv", inputs: ["x", "we"], outputs: ["e"]),
                      Node(name: "expand-relu", opType: "Relu", inputs: ["e"], outputs: ["h"])]
            x = "h"
        }
        var padAttributes: [String: Attribute] = [:]
        if let mode = c.mode { padAttributes["mode"] = .string(mode) }
        var padInputs = [x]
        if c.opset < 11 {
            padAttributes["pads"] = .ints(c.pads)
        } else {
            initializers["pads"] = Tensor(c.pads.map(Int64.init), shape: [c.pads.count])
            padInputs.append("pads")
            if let value = c.value {
                initializers["value"] = Tensor([value], shape: [])
                padInputs.append("value")
            }
            if let axes = c.axes {
                initializers["axes"] = Tensor(axes.map(Int64.init), shape: [axes.count])
                if c.value == nil { padInputs.append("") }
                padInputs.append("axes")
            }
        }
        var convAttributes: [String: Attribute] = ["group": .int(c.group)]
        if let strides = c.strides { convAttributes["strides"] = .ints(strides) }
        if let dilations = c.dilations { convAttributes["dilations"] = .ints(dilations) }
        if let pads = c.convPads { convAttributes["pads"] = .ints(pads) }
        if let autoPad = c.autoPad { convAttributes["auto_pad"] = .string(autoPad) }
        nodes += [Node(name: "pad", opType: "Pad", opset: c.opset, inputs: padInputs, outputs: ["p"], attributes: padAttributes),
                  Node(name: "conv", opType: "Conv", opset: c.opset, inputs: ["p", "w", "b"], outputs: ["c"], attributes: convAttributes),
                  Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["y"])]
        return Graph(name: c.name, nodes: nodes,
                     inputs: [ValueInfo(name: "x", type: ValueType(.float32, c.input.map { .known($0) }))],
                     outputs: [ValueInfo(name: "y", type: ValueType(.float32, nil))], initializers: initializers)
    }

    private static func model(_ graph: Graph) -> Model { Model(graph: graph, format: .onnx, path: "", layout: .nchw) }

    /// The nodes a forward run of `engine` requesting `targets` runs, by name.
    private static func steps(_ engine: Engine, targets: [String]) throws -> [String] {
        let plan = try ExecutionPlan(graph: engine.forwardGraph, order: engine.order, producers: engine.producers, targets: targets,
                                     available: { engine.constants[$0] != nil || $0 == "x" })
        return plan.steps.map { engine.graph.nodes[$0].name }
    }

    private static func same(_ a: Tensor, _ b: Tensor) -> Bool {
        a.shape == b.shape && zip(a.floats(), b.floats()).allSatisfy { $0.bitPattern == $1.bitPattern }
    }

    func testZeroPadsFoldIntoTheConvolutionBitForBit() {
        forEachKernelTier {
            for (i, c) in Self.cases.enumerated() {
                let graph = Self.graph(c, seed: UInt64(40 + i))
                var rng = SeededGenerator(seed: UInt64(70 + i))
                let x = rng.tensor(c.input)
                let written = try Engine(model: Self.model(graph), options: EngineOptions(threads: 1, fusion: false))
                XCTAssertTrue(try Self.steps(written, targets: ["y"]).contains("pad"), c.name)
                let expected = try written.run(inputs: ["x": x], tensors: ["y"])["y"]!
                for threads in [1, 2] {
                    let engine = try Engine(model: Self.model(graph), options: EngineOptions(threads: threads))
                    let conv = engine.forwardGraph.nodes.first { $0.name == "conv" }!
                    XCTAssertEqual(conv.inputs[0], c.folds ? (c.expansion == nil ? "x" : "h") : "p", c.name)
                    XCTAssertEqual(try Self.steps(engine, targets: ["y"]).contains("pad"), !c.folds, c.name)
                    let got = try engine.run(inputs: ["x": x], tensors: ["y"])["y"]!
                    XCTAssertTrue(Self.same(got, expected), "\(c.name), \(threads) threads: folded and written runs differ")
                }
            }
        }
    }

    /// With the Pad folded, MobileNetV2's expansion and stride-2 depthwise layer become a pair again.
    func testAFoldedPadLetsTheExpansionPairWithTheDepthwiseLayer() throws {
        let c = Self.cases.first { $0.name == "mobilenet-pair" }!
        let engine = try Engine(model: Self.model(Self.graph(c, seed: 1)))
        let plan = try ExecutionPlan(graph: engine.forwardGraph, order: engine.order, producers: engine.producers, targets: ["y"],
                                     available: { engine.constants[$0] != nil || $0 == "x" })
        let fusion = FusionPlan(graph: engine.forwardGraph, steps: plan.steps, targets: ["y"], kernels: engine.forwardKernels,
                                constant: { engine.constants[$0] })
        XCTAssertEqual(fusion.groups.count, 1)
        XCTAssertNotNil(fusion.groups.values.first?.depthwise)
    }

    /// A run capturing the Pad's output still computes it; the Conv's output is the same.
    func testTheFoldedPadsOutputCanStillBeCaptured() {
        forEachKernelTier {
            for (i, c) in Self.cases.enumerated() where c.folds {
                let graph = Self.graph(c, seed: UInt64(40 + i))
                var rng = SeededGenerator(seed: UInt64(70 + i))
                let x = rng.tensor(c.input)
                let written = try Engine(model: Self.model(graph), options: EngineOptions(fusion: false))
                let engine = try Engine(model: Self.model(graph))
                XCTAssertTrue(try Self.steps(engine, targets: ["p", "y"]).contains("pad"), c.name)
                let expected = try written.run(inputs: ["x": x], tensors: ["p", "y"])
                let got = try engine.run(inputs: ["x": x], tensors: ["p", "y"])
                XCTAssertTrue(Self.same(got["p"]!, expected["p"]!), c.name)
                XCTAssertTrue(Self.same(got["y"]!, expected["y"]!), c.name)
            }
        }
    }

    /// Gradient runs see the graph as written: the gradient reaches the Pad's output and through it
    /// the input, as without folding.
    func testGradientsFlowThroughAFoldedPad() throws {
        for (i, c) in Self.cases.enumerated() where c.folds && c.expansion == nil {
            let graph = Self.graph(c, seed: UInt64(40 + i))
            var rng = SeededGenerator(seed: UInt64(70 + i))
            let x = rng.tensor(c.input)
            let request = GradientRequest(withRespectTo: ["x", "p"])
            let written = try Engine(model: Self.model(graph), options: EngineOptions(fusion: false)).gradients(inputs: ["x": x], request: request)
            let run = try Engine(model: Self.model(graph)).gradients(inputs: ["x": x], request: request)
            for name in ["x", "p"] {
                XCTAssertTrue(Self.same(run.gradients[name]!, written.gradients[name]!), "\(c.name): gradient of \(name)")
            }
        }
    }
}

import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataEngine

/// Fusion of activations into the kernel producing their input: which chains fuse, and that a
/// fused run gives bit for bit what running every node gives.
final class RuntimeFusionTests: KernelTierTestCase {
    private struct Case {
        let name: String
        let graph: Graph
        /// Groups the planner must find when only the output is requested.
        let groups: Int
    }

    private static let channels = 12

    /// x [1, 12, side, side] → Conv (3×3 regular, 3×3 depthwise, or 1×1 on a 1×1 map) → `tail` nodes;
    /// "winograd" is a 3×3 one with 20 input channels, which goes through `WinogradConv`.
    private static func convGraph(_ name: String, conv kind: String, side: Int, opset: Int = 21,
                                  tail: (String) -> [Node], extra: [String: Tensor] = [:], seed: UInt64) -> Graph {
        var rng = SeededGenerator(seed: seed)
        let c = kind == "winograd" ? 20 : channels
        let (maps, group, kernel): (Int, Int, Int) = switch kind {
        case "depthwise": (c, c, 3)
        case "pointwise": (20, 1, 1)
        case "winograd": (24, 1, 3)
        default: (8, 1, 3)
        }
        var initializers = extra
        initializers["w"] = rng.tensor([maps, c / group, kernel, kernel])
        initializers["b"] = rng.tensor([maps])
        let pad = kernel / 2
        let conv = Node(name: "conv", opType: "Conv", opset: opset, inputs: ["x", "w", "b"], outputs: ["c"],
                        attributes: ["group": .int(group), "pads": .ints([pad, pad, pad, pad])])
        return Graph(name: name, nodes: [conv] + tail("c"),
                     inputs: [ValueInfo(name: "x", type: ValueType(.float32, [1, .known(c), .known(side), .known(side)]))],
                     outputs: [ValueInfo(name: "y", type: ValueType(.float32, nil))], initializers: initializers)
    }

    private static func activation(_ op: String, opset: Int = 21, inputs extra: [String] = [],
                                   attributes: [String: Attribute] = [:]) -> (String) -> [Node] {
        { c in [Node(name: "act", opType: op, opset: opset, inputs: [c] + extra, outputs: ["y"], attributes: attributes)] }
    }

    private static func silu(_ c: String) -> [Node] {
        [Node(name: "sigmoid", opType: "Sigmoid", inputs: [c], outputs: ["s"]),
         Node(name: "mul", opType: "Mul", inputs: ["s", c], outputs: ["y"])]
    }

    /// Keras' ReLU(max_value = 6): `Relu → Min(·, 6)`.
    private static func reluMin(_ c: String) -> [Node] {
        [Node(name: "relu", opType: "Relu", inputs: [c], outputs: ["r"]),
         Node(name: "min", opType: "Min", inputs: ["r", "six"], outputs: ["y"])]
    }

    private static var cases: [Case] {
        var cases: [Case] = []
        let bounds = ["lo": Tensor([-0.25] as [Float], shape: []), "hi": Tensor([0.5] as [Float], shape: [])]
        var seed: UInt64 = 40
        for (kind, side) in [("regular", 9), ("regular", 40), ("winograd", 20), ("depthwise", 9), ("depthwise", 40), ("pointwise", 1)] {
            let variants: [(String, (String) -> [Node], [String: Tensor], Int)] = [
                ("Relu", activation("Relu"), [:], 21),
                ("Clip", activation("Clip", inputs: ["lo", "hi"]), bounds, 21),
                ("Clip-min-only", activation("Clip", inputs: ["lo"]), bounds, 21),
                ("Clip-attributes", activation("Clip", opset: 10, attributes: ["min": .float(0), "max": .float(6)]), [:], 10),
                ("LeakyRelu", activation("LeakyRelu", attributes: ["alpha": .float(0.1)]), [:], 21),
                ("Sigmoid", activation("Sigmoid"), [:], 21),
                ("HardSigmoid", activation("HardSigmoid", attributes: ["alpha": .float(0.3), "beta": .float(0.4)]), [:], 21),
                ("HardSwish", activation("HardSwish"), [:], 21),
                ("SiLU", silu, [:], 21),
                ("Relu-Min", reluMin, ["six": Tensor([6] as [Float], shape: [])], 21),
            ]
            for (name, tail, extra, opset) in variants {
                seed += 1
                cases.append(Case(name: "\(kind)\(side)-\(name)",
                                  graph: convGraph(name, conv: kind, side: side, opset: opset, tail: tail, extra: extra, seed: seed),
                                  groups: 1))
            }
        }
        // Conv → Mul → Add with per-channel constants (a lowered BatchNormalization), then an activation
        // or not; the constants as [C, 1, 1], [1, C, 1, 1] or a scalar.
        for (kind, side, maps) in [("regular", 9, 8), ("regular", 40, 8), ("winograd", 20, 24), ("depthwise", 40, channels),
                                   ("pointwise", 1, 20)] {
            let affineVariants: [(String, [Int], [Int], ((String) -> [Node])?)] = [
                ("BN", [maps, 1, 1], [maps, 1, 1], nil),
                ("BN-Relu", [maps, 1, 1], [maps, 1, 1], activation("Relu")),
                ("BN4-Relu", [1, maps, 1, 1], [1, maps, 1, 1], activation("Relu")),
                ("BNscalar-Clip", [], [1], activation("Clip", attributes: ["min": .float(0), "max": .float(6)])),
                ("BN-HardSwish", [maps, 1, 1], [maps, 1, 1], activation("HardSwish")),
                ("BN-SiLU", [maps, 1, 1], [maps, 1, 1], silu),
            ]
            for (name, scaleShape, shiftShape, after) in affineVariants {
                seed += 1
                var rng = SeededGenerator(seed: seed + 1000)
                let extra = ["scale": rng.tensor(scaleShape), "shift": rng.tensor(shiftShape)]
                let tail: (String) -> [Node] = { c in
                    [Node(name: "bn_mul", opType: "Mul", inputs: ["scale", c], outputs: ["m"]),
                     Node(name: "bn_add", opType: "Add", inputs: ["m", "shift"], outputs: [after == nil ? "y" : "z"])]
                        + (after?("z") ?? [])
                }
                cases.append(Case(name: "\(kind)\(side)-\(name)", graph: convGraph(name, conv: kind, side: side, tail: tail, extra: extra, seed: seed),
                                  groups: 1))
            }
        }
        // Residual connections: Conv → Add(·, r) (→ activation), r the input itself (both operand
        // orders) or a second convolution's output computed before the head; after a
        // BatchNormalization's Mul and Add too. A residual computed after the head cannot be read
        // by it: nothing fuses then.
        cases += Self.residualCases
        // A factor per channel and position is no per-channel affine: nothing fuses.
        cases.append(Case(name: "positional-scale", graph: convGraph("positional", conv: "regular", side: 9, tail: { c in
            [Node(name: "bn_mul", opType: "Mul", inputs: [c, "scale"], outputs: ["m"]),
             Node(name: "bn_add", opType: "Add", inputs: ["m", "shift"], outputs: ["y"])]
        }, extra: ["scale": Tensor([Float](repeating: 0.5, count: 8 * 81), shape: [8, 9, 9]),
                   "shift": Tensor([Float](repeating: 0.25, count: 8), shape: [8, 1, 1])], seed: 92), groups: 0))
        // Sigmoid(x)·x without a convolution: one SiLU pass.
        cases.append(Case(name: "sigmoid-mul", graph: Graph(
            name: "sigmoid-mul",
            nodes: [Node(name: "sigmoid", opType: "Sigmoid", inputs: ["x"], outputs: ["s"]),
                    Node(name: "mul", opType: "Mul", inputs: ["x", "s"], outputs: ["y"])],
            inputs: [ValueInfo(name: "x", type: ValueType(.float32, [1, .known(channels), 9, 9]))],
            outputs: [ValueInfo(name: "y", type: ValueType(.float32, nil))]), groups: 1))
        // PyTorch's erf GELU: one pass; with 2 in place of the 1 it is some other function.
        cases.append(Case(name: "erf-gelu", graph: Self.erfGelu(one: 1), groups: 1))
        cases.append(Case(name: "erf-gelu-plus-two", graph: Self.erfGelu(one: 2), groups: 0))
        // The convolution's output is also read by an Add: it must exist, so nothing fuses.
        cases.append(Case(name: "shared-intermediate", graph: convGraph("shared", conv: "regular", side: 9, tail: { c in
            [Node(name: "relu", opType: "Relu", inputs: [c], outputs: ["r"]),
             Node(name: "add", opType: "Add", inputs: ["r", c], outputs: ["y"])]
        }, seed: 90), groups: 0))
        // A Clip bound computed from the input at run time is not known when planning.
        cases.append(Case(name: "runtime-bound", graph: convGraph("runtime", conv: "regular", side: 9, tail: { c in
            [Node(name: "bound", opType: "ReduceMin", inputs: ["x"], outputs: ["lo"], attributes: ["keepdims": .int(0)]),
             Node(name: "clip", opType: "Clip", inputs: [c, "lo"], outputs: ["y"])]
        }, seed: 91), groups: 0))
        return cases
    }

    /// x [1, 16, side, side] → Conv `conv` (3×3, 16 → 16, "winograd" on 20×20) → Add with the residual
    /// → the activation, if any → y.
    private static var residualCases: [Case] {
        var cases: [Case] = []
        var seed: UInt64 = 300
        func graph(_ name: String, side: Int, nodes: (inout SeededGenerator, inout [String: Tensor]) -> [Node]) -> Graph {
            seed += 1
            var rng = SeededGenerator(seed: seed)
            var initializers: [String: Tensor] = [:]
            let body = nodes(&rng, &initializers)
            return Graph(name: name, nodes: body,
                         inputs: [ValueInfo(name: "x", type: ValueType(.float32, [1, 16, .known(side), .known(side)]))],
                         outputs: [ValueInfo(name: "y", type: ValueType(.float32, nil))], initializers: initializers)
        }
        func conv(_ name: String, _ input: String, _ output: String, kernel: Int, _ rng: inout SeededGenerator,
                  _ initializers: inout [String: Tensor]) -> Node {
            initializers["\(name)_w"] = rng.tensor([16, 16, kernel, kernel])
            initializers["\(name)_b"] = rng.tensor([16])
            let pad = kernel / 2
            return Node(name: name, opType: "Conv", inputs: [input, "\(name)_w", "\(name)_b"], outputs: [output],
                        attributes: ["pads": .ints([pad, pad, pad, pad])])
        }
        for side in [9, 20] {
            // Keras' Add layer is an n-ary Sum: with two operands, a residual Add.
            for (name, convFirst, act, op) in [("add-relu", true, "Relu", "Add"), ("add-first-relu", false, "Relu", "Add"),
                                                ("add", true, "", "Add"), ("add-clip", false, "Clip", "Add"),
                                                ("sum-relu", false, "Relu", "Sum"), ("sum", true, "", "Sum")] {
                cases.append(Case(name: "residual\(side)-\(name)", graph: graph(name, side: side) { rng, initializers in
                    [conv("conv", "x", "c", kernel: 3, &rng, &initializers),
                     Node(name: "add", opType: op, inputs: convFirst ? ["c", "x"] : ["x", "c"], outputs: [act.isEmpty ? "y" : "s"])]
                        + (act.isEmpty ? [] : [Node(name: "act", opType: act, inputs: ["s"], outputs: ["y"],
                                                    attributes: act == "Clip" ? ["min": .float(0), "max": .float(6)] : [:])])
                }, groups: 1))
            }
            // A 1×1 skip convolution before the 3×3 one, or after it: then the skip convolution is
            // the head, with the first one's output as its residual.
            for skipFirst in [true, false] {
                cases.append(Case(name: "residual\(side)-skip-conv" + (skipFirst ? "" : "-later"),
                                  graph: graph("skip", side: side) { rng, initializers in
                    let convs = [conv("skip", "x", "k", kernel: 1, &rng, &initializers), conv("conv", "x", "c", kernel: 3, &rng, &initializers)]
                    return (skipFirst ? convs : convs.reversed())
                        + [Node(name: "add", opType: "Add", inputs: ["c", "k"], outputs: ["s"]),
                           Node(name: "act", opType: "Relu", inputs: ["s"], outputs: ["y"])]
                }, groups: 1))
            }
            cases.append(Case(name: "residual\(side)-computed-later", graph: graph("computed-later", side: side) { rng, initializers in
                [conv("conv", "x", "c", kernel: 3, &rng, &initializers),
                 Node(name: "skip", opType: "Relu", inputs: ["x"], outputs: ["k"]),
                 Node(name: "add", opType: "Add", inputs: ["c", "k"], outputs: ["s"]),
                 Node(name: "act", opType: "Relu", inputs: ["s"], outputs: ["y"])]
            }, groups: 0))
            cases.append(Case(name: "residual\(side)-bn-add-relu", graph: graph("bn", side: side) { rng, initializers in
                initializers["scale"] = rng.tensor([16, 1, 1])
                initializers["shift"] = rng.tensor([16, 1, 1])
                return [conv("conv", "x", "c", kernel: 3, &rng, &initializers),
                        Node(name: "bn_mul", opType: "Mul", inputs: ["c", "scale"], outputs: ["m"]),
                        Node(name: "bn_add", opType: "Add", inputs: ["m", "shift"], outputs: ["z"]),
                        Node(name: "add", opType: "Add", inputs: ["x", "z"], outputs: ["s"]),
                        Node(name: "act", opType: "Relu", inputs: ["s"], outputs: ["y"])]
            }, groups: 1))
        }
        return cases
    }

    /// x → `Div(x, √2) → Erf → Add(·, one) → Mul(x, ·) → Mul(·, 0.5)` → y, as torch.onnx exports
    /// `nn.GELU()`, the constants rank-0 tensors.
    private static func erfGelu(one: Float) -> Graph {
        let scalars: [String: Tensor] = ["root2": Tensor([Float(1.4142135)], shape: []), "one": Tensor([one], shape: []),
                                         "half": Tensor([Float(0.5)], shape: [])]
        return Graph(name: "erf-gelu",
                     nodes: [Node(name: "div", opType: "Div", inputs: ["x", "root2"], outputs: ["d"]),
                             Node(name: "erf", opType: "Erf", inputs: ["d"], outputs: ["e"]),
                             Node(name: "add", opType: "Add", inputs: ["e", "one"], outputs: ["a"]),
                             Node(name: "mul", opType: "Mul", inputs: ["x", "a"], outputs: ["m"]),
                             Node(name: "half", opType: "Mul", inputs: ["m", "half"], outputs: ["y"])],
                     inputs: [ValueInfo(name: "x", type: ValueType(.float32, [1, .known(channels), 9, 9]))],
                     outputs: [ValueInfo(name: "y", type: ValueType(.float32, nil))], initializers: scalars)
    }

    /// Inputs wide enough that the sigmoid's exp sees both of its clamped ranges.
    private static func input(_ graph: Graph, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        let shape = graph.inputs[0].type.shape!.map { $0.value! }
        return Tensor(rng.floats(shape.elementCount).map { $0 * 60 }, shape: shape)
    }

    private static func model(_ graph: Graph) -> Model { Model(graph: graph, format: .onnx, path: "", layout: .nchw) }

    /// The fusion plan of a run of `engine` that requests `targets` (fed "x").
    private static func fusion(_ engine: Engine, targets: [String]) throws -> FusionPlan {
        let graph = engine.forwardGraph
        let plan = try ExecutionPlan(graph: graph, order: engine.order, producers: engine.producers, targets: targets,
                                     available: { engine.constants[$0] != nil || $0 == "x" })
        return FusionPlan(graph: graph, steps: plan.steps, targets: Set(targets), kernels: engine.forwardKernels,
                          constant: { engine.constants[$0] })
    }

    private static func groups(_ engine: Engine, targets: [String]) throws -> Int {
        try fusion(engine, targets: targets).groups.count
    }

    func testFusedRunsEqualSeparateRunsBitForBit() {
        forEachKernelTier {
            for (i, c) in Self.cases.enumerated() {
                let x = Self.input(c.graph, seed: UInt64(500 + i))
                for threads in [1, 2] {
                    let fused = try Engine(model: Self.model(c.graph), options: EngineOptions(threads: threads))
                    let separate = try Engine(model: Self.model(c.graph), options: EngineOptions(threads: threads, fusion: false))
                    XCTAssertEqual(try Self.groups(fused, targets: ["y"]), c.groups, c.name)
                    let a = try fused.run(inputs: ["x": x], tensors: ["y"])["y"]!
                    let b = try separate.run(inputs: ["x": x], tensors: ["y"])["y"]!
                    XCTAssertEqual(a.shape, b.shape, c.name)
                    let same = zip(a.floats(), b.floats()).allSatisfy { $0.bitPattern == $1.bitPattern }
                    XCTAssertTrue(same, "\(c.name), \(threads) threads: fused and separate runs differ")
                }
            }
        }
    }

    /// Keras' ReLU6 (`Relu → Min(·, 6)`) after a Conv is one clip in the Conv's group, the `Min`
    /// its tail; a `Min` by a bound that is not a rank-0 constant (which could broadcast the output
    /// to a higher rank), or the `Relu`'s output requested, leaves the `Min` to run on its own.
    func testKerasReLU6FusesAsOneClip() throws {
        let graph = Self.convGraph("relu6", conv: "regular", side: 9, tail: Self.reluMin,
                                   extra: ["six": Tensor([6] as [Float], shape: [])], seed: 3)
        let engine = try Engine(model: Self.model(graph))
        let fusion = try Self.fusion(engine, targets: ["y"])
        let conv = graph.nodes.firstIndex { $0.name == "conv" }!, min = graph.nodes.firstIndex { $0.name == "min" }!
        let relu = graph.nodes.firstIndex { $0.name == "relu" }
        XCTAssertEqual(fusion.groups[conv]?.tail, min)
        XCTAssertEqual(fusion.groups[conv]?.activation, .clip(low: 0, high: 6))
        let vector = Self.convGraph("vector bound", conv: "regular", side: 9, tail: Self.reluMin,
                                    extra: ["six": Tensor([6] as [Float], shape: [1])], seed: 3)
        XCTAssertEqual(try Self.fusion(Engine(model: Self.model(vector)), targets: ["y"]).groups[conv]?.tail, relu, "vector bound")
        XCTAssertEqual(try Self.fusion(engine, targets: ["r", "y"]).groups[conv]?.tail, relu, "the Relu's output requested")
    }

    /// `MatMul → Add(·, bias)` with a constant weight (packed in the AVX-512 tier, whose GEMM then adds
    /// the bias as it stores) and a constant bias along the last axis: every bit as the two nodes
    /// give, in every tier, at 1 and 3 threads, with K over one 256-deep block, ragged last panels
    /// (70 and 13 columns), a batch of one-row products folded into one product, a single row, the
    /// bias first or second and of shape [n] or [1, n]. A bias with a leading axis over 1 is not a
    /// column bias, and one of higher rank than the product broadcasts it: both run apart.
    func testMatMulBiasAddsFuseBitForBit() {
        let shapes: [(x: [Int], n: Int, bias: [Int], biasFirst: Bool, groups: Int)] = [
            ([30, 300], 70, [70], false, 1), ([197, 1, 48], 13, [1, 13], true, 1), ([2, 3, 40], 64, [64], false, 1),
            ([1, 40], 33, [33], true, 1), ([6, 40], 32, [6, 32], false, 0), ([6, 40], 32, [1, 1, 1, 32], false, 1),
        ]
        forEachKernelTier {
            var rng = SeededGenerator(seed: 60)
            for (i, c) in shapes.enumerated() {
                let k = c.x.last!
                let graph = Graph(name: "matmul-bias",
                                  nodes: [Node(name: "matmul", opType: "MatMul", inputs: ["x", "w"], outputs: ["p"]),
                                          Node(name: "add", opType: "Add", inputs: c.biasFirst ? ["b", "p"] : ["p", "b"], outputs: ["y"])],
                                  inputs: [ValueInfo(name: "x", type: ValueType(.float32, c.x.map { .known($0) }))],
                                  outputs: [ValueInfo(name: "y", type: ValueType(.float32, nil))],
                                  initializers: ["w": mappedLike(rng.tensor([k, c.n])), "b": rng.tensor(c.bias)])
                let x = Self.input(graph, seed: UInt64(700 + i))
                for threads in [1, 3] {
                    let fused = try Engine(model: Self.model(graph), options: EngineOptions(threads: threads))
                    let separate = try Engine(model: Self.model(graph), options: EngineOptions(threads: threads, fusion: false))
                    XCTAssertEqual(try Self.groups(fused, targets: ["y"]), c.groups, "\(c)")
                    XCTAssertEqual(try Self.groups(fused, targets: ["p", "y"]), 0, "\(c): the product requested")
                    let a = try fused.run(inputs: ["x": x], tensors: ["y"])["y"]!
                    let b = try separate.run(inputs: ["x": x], tensors: ["y"])["y"]!
                    XCTAssertEqual(a.shape, b.shape, "\(c)")
                    let (p, q) = (a.floats(), b.floats())
                    if let j = p.indices.first(where: { p[$0].bitPattern != q[$0].bitPattern }) {
                        XCTFail("\(c), \(threads) threads: value \(j) is \(p[j]) fused, \(q[j]) apart")
                    }
                }
            }
        }
    }

    /// `Conv 1×1 → activation → depthwise Conv (→ activation)` with an expansion of at least two
    /// million bytes runs in bands of rows (`PointwiseDepthwise`): every bit as the separate nodes
    /// give, in every tier, at 1, 2 and 3 threads, over several bands with and without the image's
    /// padding, strides 1 and 2, 3×3 and 5×5 and dilated windows, pads on one side only, no bias,
    /// no activation after, a batch of two, and 7-wide outputs (the channel-interleaved kernel); and
    /// with per-channel affines after both convolutions (Keras' batch normalizations, which its
    /// files keep apart from the weights) before `Relu → Min(·, 6)` (its ReLU6) or other activations.
    /// Smaller ones, and tiers whose products go through OpenBLAS, run the two kernels one after
    /// the other. Requesting the value between the two runs the nodes apart.
    func testPointwiseDepthwisePairsRunInBandsBitForBit() {
        struct Pair {
            let batch, channels, maps, height, width, kernel, stride, dilation: Int
            let pads: [Int]
            let first, second: String?
            var biased = true
            /// A per-channel `Mul → Add` after each convolution, before its activation.
            var affine = false
            var bands = false
        }
        let pairs = [
            Pair(batch: 1, channels: 16, maps: 96, height: 80, width: 80, kernel: 3, stride: 2, dilation: 1, pads: [1, 1, 1, 1],
                 first: "Clip", second: "Clip"),
            Pair(batch: 2, channels: 24, maps: 144, height: 64, width: 64, kernel: 3, stride: 1, dilation: 1, pads: [1, 1, 1, 1],
                 first: "Relu", second: "Relu"),
            Pair(batch: 1, channels: 8, maps: 112, height: 72, width: 72, kernel: 5, stride: 2, dilation: 1, pads: [2, 2, 2, 2],
                 first: "SiLU", second: "SiLU"),
            Pair(batch: 1, channels: 12, maps: 96, height: 88, width: 64, kernel: 3, stride: 2, dilation: 1, pads: [0, 1, 1, 0],
                 first: "Relu", second: nil, biased: false),
            Pair(batch: 1, channels: 16, maps: 96, height: 80, width: 80, kernel: 3, stride: 1, dilation: 2, pads: [2, 2, 2, 2],
                 first: "Clip", second: "Relu"),
            Pair(batch: 1, channels: 40, maps: 2688, height: 14, width: 14, kernel: 5, stride: 2, dilation: 1, pads: [2, 2, 2, 2],
                 first: "SiLU", second: "Clip"),
            // Smaller expansions run as the two nodes would.
            Pair(batch: 2, channels: 160, maps: 960, height: 7, width: 7, kernel: 3, stride: 1, dilation: 1, pads: [1, 1, 1, 1],
                 first: "Clip", second: "Clip"),
            Pair(batch: 1, channels: 40, maps: 200, height: 14, width: 14, kernel: 5, stride: 2, dilation: 1, pads: [2, 2, 2, 2],
                 first: "SiLU", second: nil, biased: false),
            Pair(batch: 1, channels: 16, maps: 96, height: 80, width: 80, kernel: 3, stride: 2, dilation: 1, pads: [1, 1, 1, 1],
                 first: "ReluMin", second: "ReluMin", biased: false, affine: true, bands: true),
            Pair(batch: 2, channels: 24, maps: 144, height: 64, width: 64, kernel: 3, stride: 1, dilation: 1, pads: [1, 1, 1, 1],
                 first: "Relu", second: nil, affine: true, bands: true),
            Pair(batch: 1, channels: 40, maps: 2688, height: 14, width: 14, kernel: 5, stride: 2, dilation: 1, pads: [2, 2, 2, 2],
                 first: "SiLU", second: "Clip", affine: true, bands: true),
            Pair(batch: 1, channels: 40, maps: 200, height: 14, width: 14, kernel: 3, stride: 1, dilation: 1, pads: [1, 1, 1, 1],
                 first: "ReluMin", second: "ReluMin", biased: false, affine: true),
        ]
        func activation(_ op: String?, _ input: String, _ output: String) -> [Node] {
            switch op {
            case "SiLU":
                return [Node(name: output + "-sigmoid", opType: "Sigmoid", inputs: [input], outputs: [output + "-s"]),
                        Node(name: output + "-mul", opType: "Mul", inputs: [input, output + "-s"], outputs: [output])]
            case "Clip":
                return [Node(name: output + "-clip", opType: "Clip", inputs: [input, "lo", "hi"], outputs: [output])]
            case "ReluMin":
                return [Node(name: output + "-relu", opType: "Relu", inputs: [input], outputs: [output + "-r"]),
                        Node(name: output + "-min", opType: "Min", inputs: [output + "-r", "six"], outputs: [output])]
            case let op?:
                return [Node(name: output + "-act", opType: op, inputs: [input], outputs: [output])]
            case nil:
                return []
            }
        }
        /// `input · s + t` per channel when the pair has affines, as a Keras BatchNormalization is imported.
        func affine(_ p: Pair, _ input: String, _ prefix: String, _ output: String) -> (nodes: [Node], output: String) {
            guard p.affine else { return ([], input) }
            return ([Node(name: prefix + "-mul", opType: "Mul", inputs: [input, prefix + "-scale"], outputs: [prefix + "-m"]),
                     Node(name: prefix + "-add", opType: "Add", inputs: [prefix + "-m", prefix + "-shift"], outputs: [output])], output)
        }
        forEachKernelTier {
            var rng = SeededGenerator(seed: 90)
            for (i, p) in pairs.enumerated() {
                let name = "pair \(i) (\(p.maps) × \(p.height) × \(p.width), \(p.kernel)×\(p.kernel) stride \(p.stride))"
                var initializers = ["w1": rng.tensor([p.maps, p.channels, 1, 1]), "b1": rng.tensor([p.maps]),
                                    "w2": rng.tensor([p.maps, 1, p.kernel, p.kernel]), "b2": rng.tensor([p.maps]),
                                    "lo": Tensor([0] as [Float], shape: []), "hi": Tensor([6] as [Float], shape: [])]
                if !p.biased { initializers["b2"] = nil }
                if p.affine {
                    initializers["six"] = Tensor([6] as [Float], shape: [])
                    for name in ["ea", "da"] {
                        initializers[name + "-scale"] = rng.tensor([1, p.maps, 1, 1], in: 0.5...1.5)
                        initializers[name + "-shift"] = rng.tensor([1, p.maps, 1, 1])
                    }
                }
                let expand = Node(name: "expand", opType: "Conv", inputs: ["x", "w1", "b1"], outputs: ["e"])
                let (expandAffine, e) = affine(p, "e", "ea", "ea")
                let depthwiseOut = p.second == nil && !p.affine ? "y" : "d"
                let (depthwiseAffine, d) = affine(p, "d", "da", p.second == nil ? "y" : "da")
                let depthwise = Node(name: "depthwise", opType: "Conv", inputs: ["h", "w2"] + (p.biased ? ["b2"] : []),
                                     outputs: [depthwiseOut],
                                     attributes: ["group": .int(p.maps), "pads": .ints(p.pads), "strides": .ints([p.stride, p.stride]),
                                                  "dilations": .ints([p.dilation, p.dilation])])
                let graph = Graph(name: "pair", nodes: [expand] + expandAffine + activation(p.first, e, "h") + [depthwise] + depthwiseAffine
                                      + activation(p.second, d, "y"),
                                  inputs: [ValueInfo(name: "x", type: ValueType(.float32, [p.batch, p.channels, p.height, p.width].map { .known($0) }))],
                                  outputs: [ValueInfo(name: "y", type: ValueType(.float32, nil))], initializers: initializers)
                // The first six run in bands, and those of the later ones marked so.
                XCTAssertEqual(PointwiseDepthwise.worthBands(hidden: [p.batch, p.maps, p.height, p.width]), i < 6 || p.bands, name)
                let x = Self.input(graph, seed: UInt64(800 + i))
                let separate = try Engine(model: Self.model(graph), options: EngineOptions(threads: 1, fusion: false))
                let expected = try separate.run(inputs: ["x": x], tensors: ["y"])["y"]!
                for threads in [1, 2, 3] {
                    let fused = try Engine(model: Self.model(graph), options: EngineOptions(threads: threads))
                    XCTAssertEqual(try Self.groups(fused, targets: ["y"]), 1, name)
                    XCTAssertEqual(try Self.groups(fused, targets: ["h", "y"]), p.second == nil && !p.affine ? 1 : 2, "\(name): h requested")
                    let got = try fused.run(inputs: ["x": x], tensors: ["y"])["y"]!
                    XCTAssertEqual(got.shape, expected.shape, name)
                    let (a, b) = (got.floats(), expected.floats())
                    if let j = a.indices.first(where: { a[$0].bitPattern != b[$0].bitPattern }) {
                        XCTFail("\(name), \(threads) threads: value \(j) is \(a[j]) fused, \(b[j]) apart")
                    }
                }
            }
        }
    }

    /// Requesting the convolution's output keeps it apart from the activation (only `Sigmoid → Mul`
    /// of a SiLU still fuses, from that output), and the values are those of the fused run.
    func testRequestedIntermediatesAreNotFused() {
        forEachKernelTier {
            for c in Self.cases where c.groups > 0 && c.graph.nodes[0].opType == "Conv" {
                let engine = try Engine(model: Self.model(c.graph))
                // The fused head's output ("skip" is the head where it runs after "conv").
                let head = c.name.hasSuffix("skip-conv-later") ? "skip" : "conv"
                let inner = c.graph.nodes.first { $0.name == head }!.outputs[0]
                XCTAssertEqual(try Self.groups(engine, targets: [inner, "y"]), c.name.hasSuffix("SiLU") ? 1 : 0, c.name)
                // With the sigmoid requested, a BatchNormalization's Mul and Add still fuse into the Conv.
                let bn = c.name.contains("-BN")
                if c.name.hasSuffix("SiLU") { XCTAssertEqual(try Self.groups(engine, targets: ["s", "y"]), bn ? 1 : 0, c.name) }
                if bn { XCTAssertEqual(try Self.groups(engine, targets: ["m", "y"]), c.name.hasSuffix("SiLU") ? 1 : 0, c.name) }
                let x = Self.input(c.graph, seed: 7)
                let both = try engine.run(inputs: ["x": x], tensors: [inner, "y"])
                let fused = try engine.run(inputs: ["x": x], tensors: ["y"])
                XCTAssertEqual(both["y"]!.floats().map(\.bitPattern), fused["y"]!.floats().map(\.bitPattern), c.name)
            }
        }
    }

    /// Requesting any value inside the erf GELU chain keeps it apart; the output is the same.
    func testRequestedValuesInsideTheErfGeluAreNotFused() {
        forEachKernelTier {
            let graph = Self.erfGelu(one: 1)
            let engine = try Engine(model: Self.model(graph))
            let x = Tensor((0..<(Self.channels * 81)).map { Float($0 % 97 - 48) * 0.125 }, shape: [1, Self.channels, 9, 9])
            let fused = try engine.run(inputs: ["x": x], tensors: ["y"])["y"]!
            for inner in ["d", "e", "a", "m"] {
                XCTAssertEqual(try Self.groups(engine, targets: [inner, "y"]), 0, inner)
                let both = try engine.run(inputs: ["x": x], tensors: [inner, "y"])
                XCTAssertEqual(both["y"]!.floats().map(\.bitPattern), fused.floats().map(\.bitPattern), inner)
            }
        }
    }

    /// The fused activations compute the ONNX definitions (to float32 rounding) on values spanning
    /// exp's clamped ranges.
    func testFusedActivationsFollowTheirDefinitions() {
        forEachKernelTier {
            let values: [Float] = (0..<400).map { Float($0 - 200) * 0.7 } + [0, -0.0, 1e-3, -1e-3, 88.5, -88.5, 100, -100]
            let x = Tensor(values, shape: [values.count])
            func sigmoid(_ v: Double) -> Double { 1 / (1 + Foundation.exp(-v)) }
            let checks: [(FusedActivation, (Double) -> Double)] = [
                (.relu, { max($0, 0) }),
                (.clip(low: -1.5, high: 2.5), { min(max($0, -1.5), 2.5) }),
                (.leakyRelu(alpha: 0.2), { $0 < 0 ? 0.2 * $0 : $0 }),
                (.sigmoid, sigmoid),
                (.silu, { $0 * sigmoid($0) }),
                (.hardSigmoid(alpha: 0.2, beta: 0.5), { max(0, min(1, 0.2 * $0 + 0.5)) }),
                (.hardSwish, { $0 * max(0, min(1, $0 / 6 + 0.5)) }),
                (.geluErf(divisor: 1.4142135, factor: 0.5), { 0.5 * $0 * (1 + Foundation.erf($0 / 1.4142135)) }),
            ]
            for (activation, reference) in checks {
                let y = try XCTUnwrap(activation.apply(to: x, context: ExecutionContext(threads: 2)))
                for (v, got) in zip(values, y.floats()) {
                    let want = reference(Double(v))
                    XCTAssertEqual(Double(got), want, accuracy: 2e-6 * max(1, abs(want)), "\(activation) at \(v)")
                }
            }
            XCTAssertNil(try FusedActivation.relu.apply(to: try Tensor(dtype: .float64, shape: [2], zeroed: true), context: ExecutionContext(threads: 1)))
        }
    }
}

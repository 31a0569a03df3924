import StrataCore

/// Small Keras-style and ONNX-style models built in memory for the diagram tests: Keras layers
/// are lowered the way the Keras importer does it (several ONNX nodes sharing `source`).
enum DiagramModels {
    static func weight(_ rows: Int, _ cols: Int) -> Tensor {
        Tensor((0..<(rows * cols)).map { Float($0 % 7) / 7 }, shape: [rows, cols])
    }

    /// A Keras `Dense` layer call: MatMul, bias Add and optionally an activation, named after
    /// `layer` (`call` > 0 for a shared layer's later calls, which reuse the same weights).
    static func dense(
        _ layer: String, call: Int = 0, input: String, inputs: Int, units: Int, activation: String? = "Relu",
        graph: inout Graph
    ) -> String {
        let source = SourceInfo(name: layer, type: "Dense")
        let suffix = call == 0 ? "" : "_\(call)"
        let w = layer + "/kernel", b = layer + "/bias"
        if graph.initializers[w] == nil {
            graph.initializers[w] = weight(inputs, units)
            graph.initializers[b] = Tensor([Float](repeating: 0.5, count: units), shape: [units])
        }
        let product = layer + "/matmul" + suffix, sum = layer + "/add" + suffix
        graph.nodes.append(Node(name: layer + "/MatMul" + suffix, opType: "MatMul", inputs: [input, w], outputs: [product], source: source))
        graph.nodes.append(Node(name: layer + "/Add" + suffix, opType: "Add", inputs: [product, b], outputs: [sum], source: source))
        guard let activation else { return sum }
        let out = layer + "/out" + suffix
        graph.nodes.append(Node(name: layer + "/" + activation + suffix, opType: activation, inputs: [sum], outputs: [out], source: source))
        return out
    }

    static func input(_ name: String, width: Int) -> ValueInfo {
        ValueInfo(name: name, type: ValueType(.float32, [.symbol("N"), .known(width)]))
    }

    static func keras(_ graph: Graph, layers: [SourceLayer] = []) -> Model {
        Model(graph: graph, format: .kerasH5, path: "model.h5", layout: .nhwc, sourceLayers: layers)
    }

    /// A source-table row as the Keras importer writes it, the path split at `/`.
    static func row(_ path: String, _ className: String, parameters: Int = 0, isModel: Bool = false) -> SourceLayer {
        SourceLayer(path: path.split(separator: "/").map(String.init), className: className,
                    category: className == "Dense" ? .dense : nil, trainableParameters: parameters, isModel: isModel)
    }

    /// input → dense_1 (relu) → dense_2 (softmax) → output.
    static var sequential: Model {
        var g = Graph(name: "sequential", inputs: [input("input_1", width: 4)])
        let h = dense("dense_1", input: "input_1", inputs: 4, units: 8, graph: &g)
        let y = dense("dense_2", input: h, inputs: 8, units: 3, activation: "Softmax", graph: &g)
        g.outputs = [ValueInfo(name: y, type: ValueType(.float32, [.symbol("N"), .known(3)]))]
        return keras(g)
    }

    /// Two inputs through one shared Dense (called twice), an Add and a Concatenate merge, a head.
    static var functional: Model {
        var g = Graph(name: "functional", inputs: [input("left", width: 4), input("right", width: 4)])
        let a = dense("shared", input: "left", inputs: 4, units: 6, graph: &g)
        let b = dense("shared", call: 1, input: "right", inputs: 4, units: 6, graph: &g)
        g.nodes.append(Node(name: "add", opType: "Add", inputs: [a, b], outputs: ["add/out"], source: SourceInfo(name: "add", type: "Add")))
        g.nodes.append(Node(
            name: "concatenate", opType: "Concat", inputs: [a, "add/out"], outputs: ["concatenate/out"],
            attributes: ["axis": .int(-1)], source: SourceInfo(name: "concatenate", type: "Concatenate")))
        let y = dense("head", input: "concatenate/out", inputs: 12, units: 2, activation: nil, graph: &g)
        g.outputs = [ValueInfo(name: y, type: ValueType(.float32, [.symbol("N"), .known(2)]))]
        return keras(g)
    }

    /// input → encoder (a nested model: dense_a, then block, itself nested: dense_b) → head.
    static var nested: Model {
        var g = Graph(name: "nested", inputs: [input("x", width: 4)])
        let a = dense("encoder/dense_a", input: "x", inputs: 4, units: 8, graph: &g)
        let b = dense("encoder/block/dense_b", input: a, inputs: 8, units: 8, activation: "Tanh", graph: &g)
        let y = dense("head", input: b, inputs: 8, units: 1, activation: "Sigmoid", graph: &g)
        g.outputs = [ValueInfo(name: y, type: ValueType(.float32, [.symbol("N"), .known(1)]))]
        return keras(g, layers: [
            row("encoder", "Functional", parameters: 112, isModel: true), row("encoder/dense_a", "Dense", parameters: 40),
            row("encoder/block", "Functional", parameters: 72, isModel: true), row("encoder/block/dense_b", "Dense", parameters: 72),
            row("head", "Dense", parameters: 9),
        ])
    }

    /// An exporter-style ONNX graph: `x` reshaped to [N, 4, 2] through a Shape → Gather →
    /// Unsqueeze → Concat chain with Constant operands, then a Relu.
    static var shapeChain: Model {
        var g = Graph(name: "chain", inputs: [ValueInfo(name: "x", type: ValueType(.float32, [.symbol("N"), .known(8)]))])
        g.initializers["zero"] = Tensor([0] as [Int64], shape: [])
        g.initializers["tail"] = Tensor([4, 2] as [Int64], shape: [2])
        g.nodes = [
            Node(name: "shape", opType: "Shape", inputs: ["x"], outputs: ["s"]),
            Node(name: "gather", opType: "Gather", inputs: ["s", "zero"], outputs: ["n"], attributes: ["axis": .int(0)]),
            Node(name: "axes", opType: "Constant", inputs: [], outputs: ["axes"],
                 attributes: ["value": .tensor(Tensor([0] as [Int64], shape: [1]))]),
            Node(name: "unsqueeze", opType: "Unsqueeze", inputs: ["n", "axes"], outputs: ["n1"]),
            Node(name: "concat", opType: "Concat", inputs: ["n1", "tail"], outputs: ["target"], attributes: ["axis": .int(0)]),
            Node(name: "reshape", opType: "Reshape", inputs: ["x", "target"], outputs: ["r"]),
            Node(name: "relu", opType: "Relu", inputs: ["r"], outputs: ["y"]),
        ]
        g.outputs = [ValueInfo(name: "y", type: ValueType(.float32, nil))]
        return Model(graph: g, format: .onnx, path: "chain.onnx", layout: .nchw)
    }

    /// A ResNet-like ONNX chain of `blocks` residual blocks (Conv, Relu, Conv, Add, Relu):
    /// `5 * blocks` nodes.
    static func residualTower(blocks: Int) -> Model {
        var g = Graph(name: "tower", inputs: [ValueInfo(name: "image", type: ValueType(.float32, [.symbol("N"), 8, 16, 16]))])
        g.initializers["w"] = Tensor([Float](repeating: 0.01, count: 8 * 8 * 9), shape: [8, 8, 3, 3])
        let conv: [String: Attribute] = ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1])]
        var x = "image"
        for i in 0..<blocks {
            let p = "block\(i)"
            g.nodes += [
                Node(name: p + "/conv1", opType: "Conv", inputs: [x, "w"], outputs: [p + "/c1"], attributes: conv),
                Node(name: p + "/relu1", opType: "Relu", inputs: [p + "/c1"], outputs: [p + "/r1"]),
                Node(name: p + "/conv2", opType: "Conv", inputs: [p + "/r1", "w"], outputs: [p + "/c2"], attributes: conv),
                Node(name: p + "/add", opType: "Add", inputs: [p + "/c2", x], outputs: [p + "/a"]),
                Node(name: p + "/relu2", opType: "Relu", inputs: [p + "/a"], outputs: [p + "/out"]),
            ]
            x = p + "/out"
        }
        g.outputs = [ValueInfo(name: x, type: ValueType(.float32, [.symbol("N"), 8, 16, 16]))]
        return Model(graph: g, format: .onnx, path: "tower.onnx", layout: .nchw)
    }
}

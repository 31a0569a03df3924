import StrataCore

/// Which nodes a default diagram leaves out, so that an exported graph reads like its architecture:
///
/// - constants: `Constant` nodes and every node whose inputs are all constant (initializers or
///   outputs of such nodes), e.g. a weight transposed or cast at load time;
/// - shape side graphs: nodes whose outputs feed only shape-like inputs (the shape of `Reshape`
///   and `Expand`, the bounds of `Slice`, the axes of `Unsqueeze`, the sizes of `Resize` ...),
///   directly or through other such nodes: the `Shape → Gather → Unsqueeze → Concat` chains
///   that exporters emit for dynamic shapes;
/// - shape arithmetic: scalars and vectors computed only from `Shape`/`Size` results and
///   constants, such as an attention scale `sqrt(head_dim)` taken from a dynamic shape.
///
/// A node that produces a graph output is never hidden.
struct DiagramFolding {
    /// Indices into `graph.nodes` of the hidden nodes.
    let hidden: Set<Int>
    /// Values known before any input is fed: initializers and outputs of constant nodes.
    let constantValues: Set<String>

    /// `types` are the inferred value types: shape arithmetic is recognised only on values known
    /// to be scalars or vectors.
    init(graph: Graph, order: [Int], types: [String: ValueType]) {
        let graphOutputs = Set(graph.outputs.map(\.name))
        var constants = Set(graph.initializers.keys)
        var hidden = Set<Int>()
        for index in order {
            let node = graph.nodes[index]
            let inputs = node.inputs.filter { !$0.isEmpty }
            let isConstant = node.opType == "Constant" || (!inputs.isEmpty && inputs.allSatisfy(constants.contains))
            guard isConstant else { continue }
            for output in node.outputs where !output.isEmpty { constants.insert(output) }
            if !node.outputs.contains(where: graphOutputs.contains) { hidden.insert(index) }
        }

        var shapeDerived = Set<String>()
        for index in order where !hidden.contains(index) {
            let node = graph.nodes[index]
            let outputs = node.outputs.filter { !$0.isEmpty }
            let isShape = (node.opType == "Shape" || node.opType == "Size") && (node.domain.isEmpty || node.domain == "ai.onnx")
            // Where inference lost the type, the op itself must be one that shape arithmetic uses.
            let small = outputs.allSatisfy { output in
                if let rank = types[output]?.rank { return rank <= 1 }
                return isShape || Self.shapeArithmetic.contains(node.opType)
            }
            guard !outputs.isEmpty, small else { continue }
            let inputs = node.inputs.filter { !$0.isEmpty }
            let fromShapes = inputs.contains(where: shapeDerived.contains)
                && inputs.allSatisfy { shapeDerived.contains($0) || constants.contains($0) }
            guard isShape || fromShapes else { continue }
            shapeDerived.formUnion(outputs)
            if !outputs.contains(where: graphOutputs.contains) { hidden.insert(index) }
        }

        var uses: [String: [(node: Int, slot: Int)]] = [:]
        for index in order {
            for (slot, value) in graph.nodes[index].inputs.enumerated() where !value.isEmpty {
                uses[value, default: []].append((index, slot))
            }
        }
        // Consumers before producers, so a chain is recognised from its shape-input end backwards.
        for index in order.reversed() where !hidden.contains(index) {
            let node = graph.nodes[index]
            if node.outputs.contains(where: graphOutputs.contains) { continue }
            var used = false
            var onlyShapes = true
            outputs: for output in node.outputs where !output.isEmpty {
                for use in uses[output] ?? [] {
                    used = true
                    if !hidden.contains(use.node), !Self.isShapeInput(graph.nodes[use.node], slot: use.slot) {
                        onlyShapes = false
                        break outputs
                    }
                }
            }
            if used && onlyShapes { hidden.insert(index) }
        }
        self.hidden = hidden
        self.constantValues = constants
    }

    /// Ops that exporters use to compute with shapes; folded when their inputs come from shapes
    /// even if their output type is unknown.
    static let shapeArithmetic: Set<String> = [
        "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Slice", "Add", "Sub", "Mul", "Div", "Mod", "Floor",
        "Ceil", "Sqrt", "Neg", "Abs", "Equal", "Less", "Greater", "Where", "Min", "Max", "Identity", "ReduceProd",
    ]

    /// True when input `slot` of `node` is a shape, axes, bounds or sizes operand rather than data.
    static func isShapeInput(_ node: Node, slot: Int) -> Bool {
        guard node.domain.isEmpty || node.domain == "ai.onnx" else { return false }
        switch node.opType {
        case "Reshape", "Expand", "Tile", "Upsample", "Unsqueeze", "Squeeze", "TopK", "Split", "OneHot", "CumSum":
            return slot == 1
        case "Slice", "Pad", "Resize", "CenterCropPad":
            return slot >= 1
        case "ConstantOfShape", "Range":
            return true
        default:
            return node.opType.hasPrefix("Reduce") && slot == 1
        }
    }
}

import Foundation
import StrataCore

/// Rewrites of single nodes into several, for ops a target opset or common runtimes lack: newer
/// activation and normalization ops become their defining formulas, and batch-first recurrent
/// layers become sequence-first ones between transposes (onnxruntime implements `layout` 0 only).
extension OpsetAdapter {
    /// Ops that are expanded when the target opset predates them.
    static let expandable: Set<String> = ["Gelu", "Mish", "HardSwish", "RMSNormalization", "LayerNormalization"]

    /// The nodes replacing `node`, or nil to keep it as it is.
    func expand(_ node: Node, into emitter: inout NodeEmitter) throws -> [Node]? {
        if ["RNN", "GRU", "LSTM"].contains(node.opType), try node.typed(RecurrentAttributes.self).layout == 1 {
            return try sequenceFirst(node, emitter: &emitter)
        }
        guard let introduced = ONNXOpsetTable.introduced(node.opType), introduced > target else { return nil }
        guard let x = node.input(0), let y = node.outputs.first, !y.isEmpty else {
            throw StrataError(.invalidModel, "the input or output is missing", at: node.location)
        }
        var nodes: [Node] = []
        func scalar(_ value: Float, _ step: String) -> String {
            emitter.constant(.scalar(value), owner: node, step)
        }
        switch node.opType {
        case "Gelu":
            let inner: String
            if try node.typed(GeluAttributes.self).tanhApproximation {
                // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
                let cube = emitter.node("Mul", [x, emitter.node("Mul", [x, x], owner: node, step: "Square", into: &nodes)],
                                        owner: node, step: "Cube", into: &nodes)
                let sum = emitter.node("Add", [x, emitter.node("Mul", [cube, scalar(0.044715, "c")], owner: node, step: "ScaleCube", into: &nodes)],
                                       owner: node, step: "AddCube", into: &nodes)
                let scaled = emitter.node("Mul", [sum, scalar(Float((2.0 / Double.pi).squareRoot()), "sqrt_2_over_pi")],
                                          owner: node, step: "Scale", into: &nodes)
                inner = emitter.node("Tanh", [scaled], owner: node, step: "Tanh", into: &nodes)
            } else {
                let scaled = emitter.node("Mul", [x, scalar(Float(1.0 / 2.0.squareRoot()), "inv_sqrt2")], owner: node, step: "Scale", into: &nodes)
                inner = emitter.node("Erf", [scaled], owner: node, step: "Erf", into: &nodes)
            }
            let onePlus = emitter.node("Add", [inner, scalar(1, "one")], owner: node, step: "AddOne", into: &nodes)
            let half = emitter.node("Mul", [x, scalar(0.5, "half")], owner: node, step: "Half", into: &nodes)
            _ = emitter.node("Mul", [half, onePlus], owner: node, step: "Gelu", output: y, into: &nodes)
        case "Mish":
            let softplus = emitter.node("Softplus", [x], owner: node, step: "Softplus", into: &nodes)
            let tanh = emitter.node("Tanh", [softplus], owner: node, step: "Tanh", into: &nodes)
            _ = emitter.node("Mul", [x, tanh], owner: node, step: "Mish", output: y, into: &nodes)
        case "HardSwish":
            let gate = emitter.node("HardSigmoid", [x], ["alpha": .float(1.0 / 6.0), "beta": .float(0.5)],
                                    owner: node, step: "HardSigmoid", into: &nodes)
            _ = emitter.node("Mul", [x, gate], owner: node, step: "HardSwish", output: y, into: &nodes)
        case "RMSNormalization", "LayerNormalization":
            try normalization(node, x: x, y: y, emitter: &emitter, nodes: &nodes)
        default:
            return nil
        }
        return nodes
    }

    /// X / sqrt(mean(X², axes) + ε) · scale (+ bias), over the axes from `axis` to the last; layer
    /// normalization subtracts the mean first. Extra outputs (mean, inverse deviation) are refused.
    private func normalization(_ node: Node, x: String, y: String, emitter: inout NodeEmitter, nodes: inout [Node]) throws {
        if node.outputs.dropFirst().contains(where: { !$0.isEmpty }) {
            throw tooNew(node, needs: ONNXOpsetTable.introduced(node.opType) ?? target, what: "'\(node.opType)' with its statistics outputs")
        }
        let attributes = try node.typed(LayerNormalizationAttributes.self)
        let (axis, epsilon) = (attributes.axis, attributes.epsilon)
        guard axis < 0 else {
            throw tooNew(node, needs: ONNXOpsetTable.introduced(node.opType) ?? target, what: "'\(node.opType)' with a non-negative axis")
        }
        let axes = Array(axis ... -1)
        var centred = x
        if node.opType == "LayerNormalization" {
            let mean = try reduceMean(x, axes: axes, node: node, step: "Mean", emitter: &emitter, nodes: &nodes)
            centred = emitter.node("Sub", [x, mean], owner: node, step: "Centre", into: &nodes)
        }
        let square = emitter.node("Mul", [centred, centred], owner: node, step: "Square", into: &nodes)
        let meanSquare = try reduceMean(square, axes: axes, node: node, step: "MeanSquare", emitter: &emitter, nodes: &nodes)
        let shifted = emitter.node("Add", [meanSquare, emitter.constant(.scalar(epsilon), owner: node, "epsilon")],
                                   owner: node, step: "AddEpsilon", into: &nodes)
        let deviation = emitter.node("Sqrt", [shifted], owner: node, step: "Sqrt", into: &nodes)
        let normalized = emitter.node("Div", [centred, deviation], owner: node, step: "Normalize", into: &nodes)
        let bias = node.input(2)
        var result = normalized
        if let scale = node.input(1) {
            result = emitter.node("Mul", [normalized, scale], owner: node, step: "Scale", output: bias == nil ? y : nil, into: &nodes)
        }
        if let bias {
            result = emitter.node("Add", [result, bias], owner: node, step: "Bias", output: y, into: &nodes)
        }
        if result != y { _ = emitter.node("Identity", [result], owner: node, step: "Output", output: y, into: &nodes) }
    }

    /// ReduceMean keeping dimensions, in the target opset's form.
    private func reduceMean(_ x: String, axes: [Int], node: Node, step: String, emitter: inout NodeEmitter, nodes: inout [Node]) throws -> String {
        if target >= 18 {
            let axesInput = emitter.constant(Tensor(axes.map(Int64.init), shape: [axes.count]), owner: node, "\(step)_axes")
            return emitter.node("ReduceMean", [x, axesInput], ["keepdims": .int(1)], owner: node, step: step, into: &nodes)
        }
        return emitter.node("ReduceMean", [x], ["axes": .ints(axes), "keepdims": .int(1)], owner: node, step: step, into: &nodes)
    }

    /// A batch-first (`layout` 1) RNN/GRU/LSTM as a sequence-first one between transposes:
    /// X [batch, seq, in] → [seq, batch, in]; initial states [batch, dirs, hidden] → [dirs, batch, hidden];
    /// Y [seq, dirs, batch, hidden] → [batch, seq, dirs, hidden]; final states back as the initial ones.
    private func sequenceFirst(_ node: Node, emitter: inout NodeEmitter) throws -> [Node] {
        var nodes: [Node] = []
        var core = node
        core.attributes["layout"] = nil
        for index in [0, 5, 6] where index < node.inputs.count && !node.inputs[index].isEmpty {
            core.inputs[index] = emitter.node("Transpose", [node.inputs[index]], ["perm": .ints([1, 0, 2])],
                                              owner: node, step: "SequenceFirst\(index)", into: &nodes)
        }
        var transposeBack: [(String, String, [Int])] = []
        for (index, output) in node.outputs.enumerated() where !output.isEmpty {
            let inner = emitter.unique("\(node.name)/sequence_first:\(index)")
            core.outputs[index] = inner
            transposeBack.append((inner, output, index == 0 ? [2, 0, 1, 3] : [1, 0, 2]))
        }
        nodes.append(core)
        for (index, (inner, output, perm)) in transposeBack.enumerated() {
            _ = emitter.node("Transpose", [inner], ["perm": .ints(perm)], owner: node, step: "BatchFirst\(index)",
                             output: output, into: &nodes)
        }
        return nodes
    }
}

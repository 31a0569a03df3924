import StrataAnalysis
import StrataCore

/// `strata cam --layer auto`: the layer whose activations a class activation map is computed on.
///
/// Keras models: the last layer of a convolution class (`Conv1D/2D/3D`, their `Transpose`,
/// `SeparableConv`, `DepthwiseConv`; nested models included, since the capture table lists their
/// layers), as tf-keras-vis 0.8.7's penultimate-layer search (`find_layer(model, isinstance(l,
/// Conv))` from the last layer backwards) picks it. ONNX models, and Keras models without such a
/// layer: the last capturable output with a spatial map (rank 4, more than one position); failing
/// that, the last token output `[N, T, C]` whose tokens form a square patch grid (ViT exports).
///
/// Vision transformers come first (their patch embedding is a convolution with a spatial map, which
/// the rules above would pick, though nothing after the attention looks at it as a map): when the
/// graph has self-attention (a Softmax over a `T × T` score matrix), the last LayerNormalization
/// with a token output `[N, 1+H·W, C]` (`H·W` square) that feeds the last attention, i.e. the first
/// normalization of the last block: pytorch-grad-cam's ViT recipe (`blocks[-1].norm1`, torchvision's
/// `encoder.layers[-1].ln_1`). The block's own output would not do for a class-token head: only the
/// class token reaches the score after the last attention, so the patch tokens' gradients are zero.
enum CAMLayerSearch {
    static let kerasConvolutions: Set<String> = [
        "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
        "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D",
        "Convolution1D", "Convolution2D", "Convolution3D",
    ]

    /// The row `--layer` names: `auto` (`find`, with why it was chosen, over the value types
    /// `types`) or a layer or tensor name with exactly one output (no reason). Throws
    /// `invalidInput` otherwise.
    static func resolve(_ layer: String, in model: Model, types: [String: ValueType]? = nil) throws -> (row: LayerOutput, reason: String?) {
        if layer == "auto" {
            let found = try find(in: model, types: types)
            return (found.row, found.reason)
        }
        let rows = try model.graph.resolve([.name(layer)])
        guard rows.count == 1 else {
            throw StrataError(.invalidInput, "layer '\(layer)' has \(rows.count) outputs; name one of its tensors: \(rows.map(\.tensor).joined(separator: ", "))")
        }
        return (rows[0], nil)
    }

    /// The chosen row and why (for the stderr note), with the value types `types` (by default those
    /// `Graph.inferTypes` gives). Throws `invalidInput` when no row fits.
    static func find(in model: Model, types: [String: ValueType]? = nil) throws -> (row: LayerOutput, reason: String) {
        let graph = model.graph
        let rows = graph.captureTable
        let outputs = Set(graph.outputs.map(\.name))
        let types = types ?? graph.inferTypes().types
        func shape(_ row: LayerOutput) -> [Int]? { types[row.tensor]?.shape.map { $0.map { $0.value ?? -1 } } }
        if let row = lastBlockNormalization(graph, rows: rows, outputs: outputs, types: types) {
            return (row, "the first layer norm of the last attention block (its tokens as the patch grid), as pytorch-grad-cam's ViT recipe picks it")
        }
        if model.layout == .nhwc, let row = rows.last(where: { kerasConvolutions.contains($0.op) && !outputs.contains($0.tensor) }) {
            return (row, "the last convolution layer, as tf-keras-vis picks it")
        }
        let spatialAxes = model.layout == .nhwc ? [1, 2] : [2, 3]
        if let row = rows.last(where: { row in
            guard !outputs.contains(row.tensor), let s = shape(row), s.count == 4 else { return false }
            let hw = spatialAxes.map { s[$0] }
            return hw.contains(-1) || hw[0] * hw[1] > 1
        }) {
            return (row, "the last layer with a spatial map")
        }
        if let row = rows.last(where: { row in
            guard !outputs.contains(row.tensor), let s = shape(row), s.count == 3, s[1] > 0 else { return false }
            return ChannelPlanes.squareGrid(tokens: s[1]) != nil
        }) {
            return (row, "the last token output with a square patch grid")
        }
        throw StrataError(.invalidInput, "no layer with a spatial map (rank 4) or a token grid to compute a class activation map on; give --layer NAME")
    }

    /// The last layer-norm row (a LayerNormalization, or one written out as `Div(x − mean, Sqrt(…))`
    /// then a scale and an offset, as exports below ONNX opset 17 do) with a square token grid
    /// `[N, T, C]` among the values the last self-attention Softmax (over a known `T × T` score
    /// matrix, `T > 1`) is computed from; nil when the graph has no such attention or no such row.
    static func lastBlockNormalization(_ graph: Graph, rows: [LayerOutput], outputs: Set<String>,
                                       types: [String: ValueType]) -> LayerOutput? {
        let attention = graph.nodes.last { node in
            guard node.opType == "Softmax", let x = node.inputs.first, let s = types[x]?.shape, s.count >= 3,
                  let t = s[s.count - 1].value, t > 1 else { return false }
            return s[s.count - 2].value == t
        }
        guard let attention else { return nil }
        var producer: [String: Int] = [:]
        for (i, node) in graph.nodes.enumerated() {
            for name in node.outputs where !name.isEmpty { producer[name] = i }
        }
        var feeding = Set<String>()
        var pending = attention.inputs.filter { !$0.isEmpty }
        while let name = pending.popLast() {
            guard feeding.insert(name).inserted, let p = producer[name] else { continue }
            pending += graph.nodes[p].inputs.filter { !$0.isEmpty && !feeding.contains($0) }
        }
        /// Whether `value` is a normalization written out: at most two Mul/Add (γ, β) after a Div by a Sqrt.
        func writtenOutNormalization(_ value: String) -> Bool {
            var current = value
            for _ in 0 ... 2 {
                guard let p = producer[current] else { return false }
                let node = graph.nodes[p]
                if node.opType == "Div", node.inputs.count == 2, let d = producer[node.inputs[1]] {
                    return graph.nodes[d].opType == "Sqrt"
                }
                guard node.opType == "Mul" || node.opType == "Add",
                      let next = node.inputs.first(where: { producer[$0] != nil }) else { return false }
                current = next
            }
            return false
        }
        return rows.last { row in
            guard row.op == "LayerNormalization" || writtenOutNormalization(row.tensor), feeding.contains(row.tensor),
                  !outputs.contains(row.tensor), let s = types[row.tensor]?.shape, s.count == 3,
                  let tokens = s[1].value, tokens > 0, (s[2].value ?? 2) > 1 else { return false }
            return ChannelPlanes.squareGrid(tokens: tokens) != nil
        }
    }
}

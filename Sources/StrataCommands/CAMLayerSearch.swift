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
enum CAMLayerSearch {
    static let kerasConvolutions: Set<String> = [
        "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
        "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D",
        "Convolution1D", "Convolution2D", "Convolution3D",
    ]

    /// The row `--layer` names: `auto` (`find`, with why it was chosen) or a layer or tensor name
    /// with exactly one output (no reason). Throws `invalidInput` otherwise.
    static func resolve(_ layer: String, in model: Model) throws -> (row: LayerOutput, reason: String?) {
        if layer == "auto" {
            let found = try find(in: model)
            return (found.row, found.reason)
        }
        let rows = try model.graph.resolve([.name(layer)])
        guard rows.count == 1 else {
            throw StrataError(.invalidInput, "layer '\(layer)' has \(rows.count) outputs; name one of its tensors: \(rows.map(\.tensor).joined(separator: ", "))")
        }
        return (rows[0], nil)
    }

    /// The chosen row and why (for the stderr note). Throws `invalidInput` when no row fits.
    static func find(in model: Model) throws -> (row: LayerOutput, reason: String) {
        let graph = model.graph
        let rows = graph.captureTable
        let outputs = Set(graph.outputs.map(\.name))
        if model.layout == .nhwc, let row = rows.last(where: { kerasConvolutions.contains($0.op) && !outputs.contains($0.tensor) }) {
            return (row, "the last convolution layer, as tf-keras-vis picks it")
        }
        let types = graph.inferTypes().types
        func shape(_ row: LayerOutput) -> [Int]? { types[row.tensor]?.shape.map { $0.map { $0.value ?? -1 } } }
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
}

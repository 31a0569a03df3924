import StrataCore

extension KerasLayerTable {
    /// SimpleRNN, LSTM and GRU, lowered to the ONNX RNN / LSTM / GRU ops (batch-first layout), the
    /// generic RNN layer over the matching cells (one cell, or StackedRNNCells), and the ConvLSTM layers.
    static let recurrent: [String: KerasLayerLowering] = [
        "SimpleRNN": { ctx in try KerasRecurrentLowering(ctx, cell: .simple).lower() },
        "LSTM": { ctx in try KerasRecurrentLowering(ctx, cell: .lstm).lower() },
        "GRU": { ctx in try KerasRecurrentLowering(ctx, cell: .gru).lower() },
        "RNN": rnn,
        "ConvLSTM1D": { ctx in try KerasConvLSTMLowering(ctx: ctx, rank: 1).lower() },
        "ConvLSTM2D": { ctx in try KerasConvLSTMLowering(ctx: ctx, rank: 2).lower() },
        "ConvLSTM3D": { ctx in try KerasConvLSTMLowering(ctx: ctx, rank: 3).lower() },
    ]

    /// The layer that runs each Keras cell class.
    private static let layerOfCell = ["SimpleRNNCell": "SimpleRNN", "LSTMCell": "LSTM", "GRUCell": "GRU"]

    /// `RNN(cell)` is the layer of that cell with the RNN's options; `RNN([cells])` (StackedRNNCells) runs
    /// the cells as a stack of such layers, each stepping over the previous one's sequence (all in the
    /// order of the first, so `go_backwards` reverses only the input). Outputs: the last cell's output
    /// (sequence or last step), then with `return_state` every cell's final states in cell order.
    static func rnn(_ ctx: KerasLayerContext) throws -> [String] {
        guard let x = ctx.inputs.first else { throw ctx.error("expected an input tensor") }
        if try ctx.bool("time_major", default: false) { throw ctx.optionError("time_major", "only false is supported") }
        guard let cellJSON = ctx.config["cell"] else { throw ctx.optionError("cell", "missing", kind: .invalidModel) }
        let cells: [KerasJSON]
        if cellJSON["class_name"]?.string == "StackedRNNCells" {
            cells = cellJSON["config"]?["cells"]?.array ?? []
        } else {
            cells = cellJSON.array ?? [cellJSON]
        }
        guard !cells.isEmpty else { throw ctx.optionError("cell", "has no cells", kind: .invalidModel) }
        var initial = ctx.kwargTensors["initial_state"] ?? []
        if initial.isEmpty && ctx.inputs.count > 1 { initial = Array(ctx.inputs.dropFirst()) }
        guard initial.isEmpty || cells.count == 1 else {
            throw ctx.optionError("initial_state", "initial states of stacked cells are not supported")
        }
        let maskArgument = try ctx.sequenceMask().map { ["mask": [$0]] } ?? [:]
        let returnSequences = try ctx.bool("return_sequences", default: false)
        let returnState = try ctx.bool("return_state", default: false)
        let goBackwards = try ctx.bool("go_backwards", default: false)
        var sequence = x
        var output = x
        var states: [String] = []
        var firstVariable = 0
        var cellsOfClass: [String: Int] = [:]
        for (i, cell) in cells.enumerated() {
            guard let cellClass = cell["class_name"]?.string, let layerClass = layerOfCell[cellClass],
                  var config = cell["config"]?.object else {
                throw ctx.optionError("cell", "RNN supports SimpleRNNCell, LSTMCell and GRUCell, got '\(cell["class_name"]?.string ?? "?")'")
            }
            let last = i == cells.count - 1
            for key in ["stateful", "unroll", "zero_output_for_mask"] where ctx.config[key] != nil {
                config[key] = ctx.config[key]
            }
            config["go_backwards"] = .bool(i == 0 && goBackwards)
            config["return_sequences"] = .bool(!last || returnSequences)
            config["return_state"] = .bool(returnState)
            let variableCount = config["use_bias"]?.bool == false ? 2 : 3
            // Keras 3 layout files keep stacked cells in groups `cell/cells/<snake_case class>[_n]`, which
            // the weight store lists by group name, not in cell order; find this cell's group.
            let base = Keras3WeightStore.snakeCase(cellClass)
            let seen = cellsOfClass[base, default: 0]
            cellsOfClass[base] = seen + 1
            let group = "cell/cells/" + (seen == 0 ? base : "\(base)_\(seen)") + "/"
            if cells.count > 1, let start = ctx.variableNames.firstIndex(where: { $0.hasPrefix(group) }) {
                firstVariable = start
            }
            let json = KerasJSON.object(["class_name": .string(layerClass), "config": .object(config)])
            let inner = try ctx.innerLayer(json, key: "cell", inputs: [sequence] + initial, kwargTensors: maskArgument,
                                           variableRange: firstVariable ..< firstVariable + variableCount)
            firstVariable += variableCount
            let outputs = try inner.lowering(inner.context)
            sequence = outputs[0]
            output = outputs[0]
            states += outputs.dropFirst()
        }
        return [output] + states
    }
}

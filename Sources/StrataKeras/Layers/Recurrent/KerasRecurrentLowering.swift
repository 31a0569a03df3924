import StrataCore

/// Lowers one call of a Keras recurrent layer (SimpleRNN, LSTM, GRU) to the matching ONNX op with
/// `layout = 1` (batch-first), one forward direction.
///
/// Keras semantics kept: `go_backwards` reverses the input sequence before the scan, so the returned
/// sequence is in processing order (Keras does not reverse it back); `return_state` appends the final
/// `h` (and `c` for LSTM); `initial_state` keyword tensors seed the scan. Keras gate order is
/// re-packed to ONNX's (LSTM `i f c o` → `i o f c`; GRU `z r h` is the same). GRU `reset_after`
/// maps to `linear_before_reset`, its two bias rows to ONNX's `Wb`/`Rb`. With a mask (the `mask`
/// keyword, or implied by a Masking / Embedding(mask_zero) input) the scan is unrolled with `Where`.
struct KerasRecurrentLowering {
    enum Cell {
        case simple, lstm, gru

        var onnxOp: String {
            switch self {
            case .simple: return "RNN"
            case .lstm: return "LSTM"
            case .gru: return "GRU"
            }
        }

        var gates: Int {
            switch self {
            case .simple: return 1
            case .lstm: return 4
            case .gru: return 3
            }
        }

        /// ONNX gate position `g` takes Keras gate `kerasGate[g]`.
        var kerasGate: [Int] {
            switch self {
            case .simple: return [0]
            case .lstm: return [0, 3, 1, 2]
            case .gru: return [0, 1, 2]
            }
        }
    }

    let ctx: KerasLayerContext
    let cell: Cell

    init(_ ctx: KerasLayerContext, cell: Cell) {
        self.ctx = ctx
        self.cell = cell
    }

    /// The call's outputs: the sequence or last output, then the final states when `return_state`.
    func lower() throws -> [String] {
        guard let x = ctx.inputs.first else { throw ctx.error("expected an input tensor") }
        var initial = ctx.kwargTensors["initial_state"] ?? []
        if initial.isEmpty && ctx.inputs.count > 1 { initial = Array(ctx.inputs.dropFirst()) }
        return try lower(x, initialState: initial, mask: ctx.sequenceMask())
    }

    func lower(_ input: String, initialState: [String], mask: String?) throws -> [String] {
        if try ctx.bool("stateful", default: false) {
            throw ctx.optionError("stateful", "stateful recurrent layers are not supported")
        }
        let units = try ctx.int("units", atLeast: 1)
        let shape = try ctx.shape(input)
        guard shape.count == 3 else { throw ctx.error("expected a [batch, time, features] input, got rank \(shape.count)") }
        let features = try ctx.knownDim(input, 2)
        let gates = cell.gates
        let kernel = try ctx.weight(0, "kernel", shape: [features, gates * units])
        let recurrentKernel = try ctx.weight(1, "recurrent_kernel", shape: [units, gates * units])
        let resetAfter = cell == .gru ? try ctx.bool("reset_after", default: true) : false
        var inputBias = [Float](repeating: 0, count: gates * units)
        var recurrentBias = [Float](repeating: 0, count: gates * units)
        if try ctx.bool("use_bias", default: true) {
            if resetAfter {
                let bias = try ctx.weight(2, "bias", shape: [2, gates * units]).floats()
                inputBias = Array(bias[0 ..< gates * units])
                recurrentBias = Array(bias[gates * units ..< 2 * gates * units])
            } else {
                inputBias = try ctx.weight(2, "bias", shape: [gates * units]).floats()
            }
        }
        let w = try ctx.constant(packed(kernel.floats(), rows: features, units: units), "W")
        let r = try ctx.constant(packed(recurrentKernel.floats(), rows: units, units: units), "R")
        let b = try ctx.constant(Tensor(reorder(inputBias, units: units) + reorder(recurrentBias, units: units), shape: [1, 2 * gates * units]), "B")

        var x = input
        var mask = mask
        if try ctx.bool("go_backwards", default: false) {
            x = try reversed(x, "Reverse")
            if let m = mask { mask = try reversed(m, "ReverseMask") }
        }
        let stateCount = cell == .lstm ? 2 : 1
        guard initialState.isEmpty || initialState.count == stateCount else {
            throw ctx.error("expected \(stateCount) initial state tensors, got \(initialState.count)")
        }
        var attributes: [String: Attribute] = ["hidden_size": .int(units), "layout": .int(1)]
        let (names, alphas, betas) = try activations()
        attributes["activations"] = .strings(names)
        if !alphas.isEmpty {
            attributes["activation_alpha"] = .floats(alphas)
            attributes["activation_beta"] = .floats(betas)
        }
        if cell == .gru { attributes["linear_before_reset"] = .int(resetAfter ? 1 : 0) }
        if let mask {
            return try unrolled(x, mask: mask, initialState: initialState, weights: [w, r, b], attributes: attributes, units: units)
        }
        var onnxInputs = [x, w, r, b, ""]
        for (i, state) in initialState.enumerated() {
            onnxInputs.append(try ctx.emit("Unsqueeze", [state, ctx.constant(int64s: [1], "state_axis")], step: "InitialState\(i)"))
        }
        let outputs = try ctx.emitMany(cell.onnxOp, onnxInputs, attributes, outputs: cell == .lstm ? 3 : 2)

        var results: [String] = []
        if try ctx.bool("return_sequences", default: false) {
            results.append(try ctx.emit("Squeeze", [outputs[0], ctx.constant(int64s: [2], "direction_axis")], step: "Sequence"))
        } else {
            results.append(try ctx.emit("Squeeze", [outputs[1], ctx.constant(int64s: [1], "state_direction_axis")], step: "LastOutput"))
        }
        if try ctx.bool("return_state", default: false) {
            let h = try ctx.emit("Squeeze", [outputs[1], ctx.constant(int64s: [1], "h_direction_axis")], step: "StateH")
            results.append(h)
            if cell == .lstm {
                results.append(try ctx.emit("Squeeze", [outputs[2], ctx.constant(int64s: [1], "c_direction_axis")], step: "StateC"))
            }
        }
        return results
    }

    /// `value` reversed along the time axis (axis 1).
    private func reversed(_ value: String, _ step: String) throws -> String {
        try ctx.emit("Slice", [value, ctx.constant(int64s: [-1], "\(step)_starts"), ctx.constant(int64s: [Int64.min], "\(step)_ends"),
                               ctx.constant(int64s: [1], "\(step)_axes"), ctx.constant(int64s: [-1], "\(step)_steps")], step: step)
    }

    /// The masked scan, one ONNX cell step per time step (time must be known): where the mask is false
    /// the states keep their previous values and the output repeats the previous output (zeros when
    /// `zero_output_for_mask`), as Keras' `rnn` does.
    private func unrolled(_ x: String, mask: String, initialState: [String], weights: [String], attributes: [String: Attribute],
                          units: Int) throws -> [String] {
        let steps = try ctx.knownDim(x, 1)
        var keep = mask
        if ctx.builder.type(of: mask)?.dtype != .bool { keep = try ctx.emit("Cast", [mask], ["to": .int(9)], step: "MaskBool") }
        let zeroOutput = try ctx.bool("zero_output_for_mask", default: false)
        // Zero states [N, units]: the first mask column (0 or 1, never NaN) times a zero row, so the shape
        // is inferred at import and the layers after this one see [N, units] (a Shape-built zero would not be).
        let firstColumn = try ctx.emit("Slice", [keep, ctx.constant(int64s: [0], "column_start"), ctx.constant(int64s: [1], "column_end"),
                                                 ctx.constant(int64s: [1], "column_axis")], step: "FirstMaskColumn")
        let column = try ctx.emit("Cast", [firstColumn], ["to": .int(1)], step: "FirstMaskColumnFloat")
        let zeros = try ctx.emit("Mul", [column, ctx.constant(floats: [Float](repeating: 0, count: units), shape: [1, units], "zero_row")],
                                 step: "ZeroState")
        var states = initialState.isEmpty ? Array(repeating: zeros, count: cell == .lstm ? 2 : 1) : initialState
        var output = zeros
        var sequence: [String] = []
        let axis = try ctx.constant(int64s: [1], "time_axis")
        for t in 0 ..< steps {
            let start = try ctx.constant(int64s: [Int64(t)], "t\(t)_start")
            let end = try ctx.constant(int64s: [Int64(t + 1)], "t\(t)_end")
            let xt = try ctx.emit("Slice", [x, start, end, axis], step: "Step\(t)/Input")
            let mt = try ctx.emit("Slice", [keep, start, end, axis], step: "Step\(t)/Mask")
            var inputs = [xt] + weights + [""]
            for (i, state) in states.enumerated() {
                inputs.append(try ctx.emit("Unsqueeze", [state, axis], step: "Step\(t)/State\(i)"))
            }
            let results = try ctx.emitMany(cell.onnxOp, inputs, attributes, outputs: cell == .lstm ? 3 : 2, step: "Step\(t)/\(cell.onnxOp)")
            var next: [String] = []
            for i in 0 ..< states.count {
                let fresh = try ctx.emit("Squeeze", [results[1 + i], axis], step: "Step\(t)/NewState\(i)")
                next.append(try ctx.emit("Where", [mt, fresh, states[i]], step: "Step\(t)/KeepState\(i)"))
            }
            let freshOutput = try ctx.emit("Squeeze", [results[1], axis], step: "Step\(t)/NewOutput")
            output = try ctx.emit("Where", [mt, freshOutput, zeroOutput ? zeros : output], step: "Step\(t)/Output")
            states = next
            sequence.append(try ctx.emit("Unsqueeze", [output, axis], step: "Step\(t)/OutputStep"))
        }
        var results: [String] = []
        if try ctx.bool("return_sequences", default: false) {
            results.append(try ctx.emit("Concat", sequence, ["axis": .int(1)], step: "Sequence"))
        } else {
            results.append(try ctx.emit("Identity", [output], step: "LastOutput"))
        }
        if try ctx.bool("return_state", default: false) { results += states }
        return results
    }

    /// A Keras `[rows, gates·units]` matrix as ONNX `[1, gates·units, rows]`, gates in ONNX order.
    private func packed(_ values: [Float], rows: Int, units: Int) -> Tensor {
        let gates = cell.gates
        var out = [Float](repeating: 0, count: gates * units * rows)
        for g in 0 ..< gates {
            let source = cell.kerasGate[g]
            for u in 0 ..< units {
                for i in 0 ..< rows {
                    out[(g * units + u) * rows + i] = values[i * gates * units + source * units + u]
                }
            }
        }
        return Tensor(out, shape: [1, gates * units, rows])
    }

    private func reorder(_ bias: [Float], units: Int) -> [Float] {
        cell.kerasGate.flatMap { bias[$0 * units ..< ($0 + 1) * units] }
    }

    /// ONNX `activations` (and their alpha/beta) for the cell's functions: gate activation first
    /// (`recurrent_activation`) then `activation` (twice for LSTM: cell input and output).
    private func activations() throws -> (names: [String], alphas: [Float], betas: [Float]) {
        let activation = try ctx.string("activation", default: "tanh")
        var keras: [(key: String, name: String)]
        switch cell {
        case .simple:
            keras = [("activation", activation)]
        case .lstm, .gru:
            let recurrent = try ctx.string("recurrent_activation", default: "sigmoid")
            keras = [("recurrent_activation", recurrent), ("activation", activation)]
            if cell == .lstm { keras.append(("activation", activation)) }
        }
        var names: [String] = []
        var alphas: [Float] = []
        var betas: [Float] = []
        for (key, name) in keras {
            switch name {
            case "sigmoid": names.append("Sigmoid")
            case "tanh": names.append("Tanh")
            case "relu": names.append("Relu")
            case "softsign": names.append("Softsign")
            case "softplus": names.append("Softplus")
            case "elu": names.append("Elu"); alphas.append(1)
            case "linear": names.append("Affine"); alphas.append(1); betas.append(0)
            case "hard_sigmoid":
                names.append("HardSigmoid")
                // Keras 2: clip(0.2·x + 0.5, 0, 1); Keras 3: relu6(x + 3) / 6.
                alphas.append(ctx.kerasMajor >= 3 ? 1.0 / 6.0 : 0.2)
                betas.append(0.5)
            default:
                throw ctx.optionError(key, "activation '\(name)' is not supported inside a recurrent layer")
            }
        }
        return (names, alphas, betas)
    }
}

import StrataCore

/// Lowers ConvLSTM1D/2D/3D: an LSTM whose gates are convolutions, unrolled over the (known) time axis in
/// channels-first layout. Each step computes `z = conv(x_t, kernel) + bias + conv_same(h, recurrent_kernel)`,
/// split along channels into Keras' gate order i, f, c, o; then `c = f·c + i·act(z_c)`, `h = o·act(c)`
/// with `recurrent_activation` for the gates. The first step has zero states, so its recurrent term and
/// `f·c` vanish. Outputs follow Keras: the sequence (in processing order) or the last `h`, then `h` and
/// `c` with `return_state`, all in the layer's data format.
struct KerasConvLSTMLowering {
    let ctx: KerasLayerContext
    /// Spatial rank (1, 2 or 3).
    let rank: Int

    func lower() throws -> [String] {
        guard let x = ctx.inputs.first else { throw ctx.error("expected an input tensor") }
        guard ctx.inputs.count == 1, ctx.kwargTensors["initial_state"] == nil else {
            throw ctx.optionError("initial_state", "initial states are not supported for ConvLSTM layers")
        }
        if try ctx.sequenceMask() != nil { throw ctx.error("masked inputs are not supported for ConvLSTM layers", kind: .unsupported) }
        if try ctx.bool("stateful", default: false) { throw ctx.optionError("stateful", "stateful recurrent layers are not supported") }
        let channelsFirst = try ctx.channelsFirst()
        let filters = try ctx.int("filters", atLeast: 1)
        let steps = try ctx.knownDim(x, 1)
        let channels = try ctx.knownDim(x, channelsFirst ? 2 : -1)
        let options = try KerasLayerTable.windowOptions(ctx, rank: rank)
        let ones = Array(repeating: 1, count: rank)
        let kernel = try ctx.weightValue(0, "kernel", shape: options.kernel + [channels, 4 * filters], transform: KerasLayerTable.kernelToONNX(rank))
        let recurrentKernel = try ctx.weightValue(1, "recurrent_kernel", shape: options.kernel + [filters, 4 * filters],
                                                  transform: KerasLayerTable.kernelToONNX(rank))
        let bias = try ctx.bool("use_bias", default: true) ? try ctx.weightValue(2, "bias", shape: [4 * filters]) : nil
        let activation = try ctx.string("activation", default: "tanh")
        let gateActivation = try ctx.string("recurrent_activation", default: ctx.kerasMajor >= 3 ? "sigmoid" : "hard_sigmoid")

        // [N, T, C, spatial…]: one transpose for the whole sequence.
        var sequence = x
        if !channelsFirst {
            sequence = try ctx.emit("Transpose", [x], ["perm": .ints([0, 1, rank + 2] + Array(2 ..< rank + 2))], step: "ToChannelsFirst")
        }
        var order = Array(0 ..< steps)
        if try ctx.bool("go_backwards", default: false) { order.reverse() }
        let timeAxis = try ctx.constant(int64s: [1], "time_axis")
        let split = try ctx.constant(int64s: Array(repeating: Int64(filters), count: 4), "gate_sizes")
        var h: String?
        var c: String?
        var outputs: [String] = []
        for (i, t) in order.enumerated() {
            let xt = try ctx.emit("Squeeze", [try ctx.emit("Slice", [sequence, ctx.constant(int64s: [Int64(t)], "t\(t)_start"),
                                                                      ctx.constant(int64s: [Int64(t + 1)], "t\(t)_end"), timeAxis],
                                                           step: "Step\(i)/Input"), timeAxis], step: "Step\(i)/InputStep")
            var inputConv = try KerasLayerTable.paddingAttributes(ctx, options.padding, input: xt, kernel: options.kernel,
                                                                  strides: options.strides, dilations: options.dilations)
            inputConv["kernel_shape"] = .ints(options.kernel)
            inputConv["strides"] = .ints(options.strides)
            inputConv["dilations"] = .ints(options.dilations)
            var z = try ctx.emit("Conv", [xt, kernel] + (bias.map { [$0] } ?? []), inputConv, step: "Step\(i)/InputConv")
            if let previous = h {
                let recurrent = try ctx.emit("Conv", [previous, recurrentKernel], ["kernel_shape": .ints(options.kernel), "strides": .ints(ones),
                                                                          "auto_pad": .string("SAME_UPPER")], step: "Step\(i)/RecurrentConv")
                z = try ctx.emit("Add", [z, recurrent], step: "Step\(i)/Gates")
            }
            let gates = try ctx.emitMany("Split", [z, split], ["axis": .int(1)], outputs: 4, step: "Step\(i)/Split")
            let input = try ctx.activation(gateActivation, gates[0], key: "recurrent_activation")
            let candidate = try ctx.emit("Mul", [input, try ctx.activation(activation, gates[2])], step: "Step\(i)/NewCell")
            if let previous = c {
                let forget = try ctx.activation(gateActivation, gates[1], key: "recurrent_activation")
                let kept = try ctx.emit("Mul", [forget, previous], step: "Step\(i)/KeptCell")
                c = try ctx.emit("Add", [kept, candidate], step: "Step\(i)/Cell")
            } else {
                c = candidate
            }
            let cell = c ?? candidate
            let output = try ctx.activation(gateActivation, gates[3], key: "recurrent_activation")
            let hidden = try ctx.emit("Mul", [output, try ctx.activation(activation, cell)], step: "Step\(i)/Hidden")
            h = hidden
            outputs.append(hidden)
        }
        guard let h, let c else { throw ctx.error("the input has no time steps") }
        var results: [String]
        if try ctx.bool("return_sequences", default: false) {
            let stacked = try ctx.emit("Concat", try outputs.enumerated().map { i, step in
                try ctx.emit("Unsqueeze", [step, timeAxis], step: "Step\(i)/Output")
            }, ["axis": .int(1)], step: "Sequence")
            results = [channelsFirst ? stacked
                       : try ctx.emit("Transpose", [stacked], ["perm": .ints([0, 1] + Array(3 ..< rank + 3) + [2])], step: "SequenceToChannelsLast")]
        } else {
            results = [try layout(h, channelsFirst, "Output")]
        }
        if try ctx.bool("return_state", default: false) {
            results += [try layout(h, channelsFirst, "StateH"), try layout(c, channelsFirst, "StateC")]
        }
        return results
    }

    /// A channels-first state `[N, F, spatial…]` in the layer's data format.
    private func layout(_ value: String, _ channelsFirst: Bool, _ step: String) throws -> String {
        if channelsFirst { return try ctx.emit("Identity", [value], step: step) }
        return try ctx.emit("Transpose", [value], ["perm": .ints([0] + Array(2 ..< rank + 2) + [1])], step: step)
    }
}

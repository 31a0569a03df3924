import StrataCore

extension KerasLayerTable {
    /// TimeDistributed and Bidirectional: they lower the layers they hold through this table.
    static let wrappers: [String: KerasLayerLowering] = [
        "TimeDistributed": timeDistributed,
        "Bidirectional": bidirectional,
    ]

    /// Folds time into the batch (`[N, T, rest…]` → `[N·T, rest…]`), lowers the inner layer on that,
    /// and unfolds its output to `[N, T, out…]`. Needs `T` and the inner output's trailing sizes known.
    /// A wrapped layer that acts on the last axis alone (`timeDistributedInPlace`) is lowered on the
    /// input as it is: the same numbers, and its output keeps a shape the layers after it can read
    /// (an unfolded output's batch size is not inferred). The input's padding mask passes on
    /// (`settleTimeDistributedMask`).
    static func timeDistributed(_ ctx: KerasLayerContext) throws -> [String] {
        let x = try ctx.singleInput()
        let shape = try ctx.shape(x)
        guard shape.count >= 3 else { throw ctx.error("expected an input of rank 3 or more, got rank \(shape.count)") }
        let innerClass = ctx.config["layer"]?["class_name"]?.string ?? ""
        if timeDistributedInPlace.contains(innerClass) {
            let (inner, lowering) = try ctx.innerLayer(ctx.config["layer"], key: "layer", inputs: [x])
            let outputs = try lowering(inner)
            guard outputs.count == 1 else { throw ctx.error("the wrapped layer returns \(outputs.count) tensors; TimeDistributed needs one") }
            try ctx.settleTimeDistributedMask(of: x, inner: innerClass)
            return outputs
        }
        let steps = try ctx.knownDim(x, 1)
        let rest = try (2 ..< shape.count).map { try ctx.knownDim(x, $0) }
        let folded = try ctx.emit("Reshape", [x, ctx.constant(int64s: ([-1] + rest).map(Int64.init), "fold_shape")], step: "Fold")
        let (inner, lowering) = try ctx.innerLayer(ctx.config["layer"], key: "layer", inputs: [folded])
        let outputs = try lowering(inner)
        guard outputs.count == 1 else { throw ctx.error("the wrapped layer returns \(outputs.count) tensors; TimeDistributed needs one") }
        let outShape = try ctx.shape(outputs[0])
        let outRest = try (1 ..< outShape.count).map { try ctx.knownDim(outputs[0], $0) }
        let unfold = try ctx.constant(int64s: ([-1, steps] + outRest).map(Int64.init), "unfold_shape")
        let y = try ctx.emit("Reshape", [outputs[0], unfold], step: "Unfold")
        try ctx.settleTimeDistributedMask(of: x, inner: innerClass)
        return [y]
    }

    /// Wrapped classes that act on each position's last axis alone (a Dense kernel, an elementwise
    /// activation, dropout at inference), so they give the same numbers on `[N, T, …]` as step by step.
    static let timeDistributedInPlace: Set<String> = [
        "Dense", "Activation", "ReLU", "ELU", "LeakyReLU", "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise",
    ]

    /// Runs the forward layer and the backward layer (`backward_layer`, or the forward config with
    /// `go_backwards` flipped), both with the call's mask, flips the backward sequence back into time order when sequences are
    /// returned, and merges by `merge_mode` (concat, sum, mul, ave, or None: both outputs). With
    /// `return_state` the forward states then the backward states follow the output(s).
    static func bidirectional(_ ctx: KerasLayerContext) throws -> [String] {
        guard let x = ctx.inputs.first else { throw ctx.error("expected an input tensor") }
        let maskArgument = try ctx.sequenceMask().map { ["mask": [$0]] } ?? [:]
        guard let forwardJSON = ctx.config["layer"], var forwardConfig = forwardJSON["config"]?.object else {
            throw ctx.optionError("layer", "missing", kind: .invalidModel)
        }
        let forwardCount = try recurrentVariableCount(forwardJSON, ctx)
        let backwardJSON: KerasJSON
        if let given = ctx.config["backward_layer"], !given.isNull {
            backwardJSON = given
        } else {
            var config = forwardConfig
            config["go_backwards"] = .bool(!(forwardConfig["go_backwards"]?.bool ?? false))
            config["name"] = .string("backward_" + (forwardConfig["name"]?.string ?? "layer"))
            var object = forwardJSON.object ?? [:]
            object["config"] = .object(config)
            backwardJSON = .object(object)
        }
        forwardConfig["name"] = .string(forwardConfig["name"]?.string ?? "forward")
        // Keras sets zero_output_for_mask = return_sequences on both halves (not always in the saved config).
        let returnSequences = forwardConfig["return_sequences"]?.bool ?? false
        forwardConfig["zero_output_for_mask"] = .bool(returnSequences)
        var backwardConfig = backwardJSON["config"]?.object ?? [:]
        backwardConfig["zero_output_for_mask"] = .bool(returnSequences)
        let backwardCount = try recurrentVariableCount(backwardJSON, ctx)
        var initial = ctx.kwargTensors["initial_state"] ?? []
        if initial.isEmpty && ctx.inputs.count > 1 { initial = Array(ctx.inputs.dropFirst()) }
        let forwardStates = Array(initial.prefix(initial.count / 2))
        let backwardStates = Array(initial.suffix(initial.count - initial.count / 2))

        let forward = try ctx.innerLayer(forwardJSON, key: "layer", inputs: [x] + forwardStates, kwargTensors: maskArgument, variableRange: 0 ..< forwardCount,
                                         config: .object(forwardConfig))
        let backward = try ctx.innerLayer(backwardJSON, key: "backward_layer", inputs: [x] + backwardStates, kwargTensors: maskArgument,
                                          variableRange: forwardCount ..< forwardCount + backwardCount, config: .object(backwardConfig))
        let forwardOut = try forward.lowering(forward.context)
        let backwardOut = try backward.lowering(backward.context)
        var y = forwardOut[0]
        var yBackward = backwardOut[0]
        if try forward.context.bool("return_sequences", default: false) {
            yBackward = try ctx.emit("Slice", [yBackward, ctx.constant(int64s: [-1], "flip_starts"), ctx.constant(int64s: [Int64.min], "flip_ends"),
                                               ctx.constant(int64s: [1], "flip_axes"), ctx.constant(int64s: [-1], "flip_steps")],
                                     step: "FlipBackward")
        }
        var outputs: [String]
        let mode = ctx.config["merge_mode"].flatMap { $0.isNull ? nil : $0 }
        switch mode?.string {
        case nil where mode == nil:
            outputs = [y, yBackward]
        case "concat":
            outputs = [try ctx.emit("Concat", [y, yBackward], ["axis": .int(-1)])]
        case "sum":
            outputs = [try ctx.emit("Add", [y, yBackward])]
        case "mul":
            outputs = [try ctx.emit("Mul", [y, yBackward])]
        case "ave":
            y = try ctx.emit("Add", [y, yBackward])
            outputs = [try ctx.emit("Mul", [y, ctx.constant(floats: [0.5], shape: [], "half")], step: "Average")]
        default:
            throw ctx.optionError("merge_mode", "expected concat, sum, mul, ave or null", kind: .invalidModel)
        }
        return outputs + forwardOut.dropFirst() + backwardOut.dropFirst()
    }

    /// How many variables a wrapped SimpleRNN / LSTM / GRU stores: kernel, recurrent kernel, bias if any.
    private static func recurrentVariableCount(_ json: KerasJSON, _ ctx: KerasLayerContext) throws -> Int {
        guard let className = json["class_name"]?.string, ["SimpleRNN", "LSTM", "GRU"].contains(className) else {
            throw ctx.optionError("layer", "Bidirectional supports SimpleRNN, LSTM and GRU layers, got '\(json["class_name"]?.string ?? "?")'")
        }
        return json["config"]?["use_bias"]?.bool == false ? 2 : 3
    }
}

import StrataCore

extension KerasLayerTable {
    /// Tensor expressions saved as layers: Keras 2 `TFOpLambda` / `SlicingOpLambda` (a TensorFlow
    /// function named in `function`, constant arguments in the call's keyword arguments) and Keras 3
    /// op entries (options in their config, constant operands and `x[key]` keys among the call's
    /// positional arguments; `keras.ops.reshape` is under `Reshape` in the reshaping family). Only the functions in `tfFunctions` are
    /// lowered — a name is looked up, never run; any other function is an unsupported-class error.
    static let ops: [String: KerasLayerLowering] = {
        var table: [String: KerasLayerLowering] = [
            "TFOpLambda": tfOpLambda,
            "SlicingOpLambda": tfOpLambda,
            "Mean": { ctx in try reduce(ctx, "ReduceMean", axis: ctx.config["axis"], keepdims: try ctx.bool("keepdims", default: false)) },
            "Sum": { ctx in try reduce(ctx, "ReduceSum", axis: ctx.config["axis"], keepdims: try ctx.bool("keepdims", default: false)) },
            "Max": { ctx in try reduce(ctx, "ReduceMax", axis: ctx.config["axis"], keepdims: try ctx.bool("keepdims", default: false)) },
            "Min": { ctx in try reduce(ctx, "ReduceMin", axis: ctx.config["axis"], keepdims: try ctx.bool("keepdims", default: false)) },
            "Any": { ctx in
                // any(x) = max(x ≠ 0) over the axes, as bool (1 is ONNX FLOAT, 9 BOOL).
                let x = try ctx.singleInput()
                let nonzero = try ctx.emit("Cast", [try ctx.emit("Not", [try ctx.emit("Equal", [x, try ctx.emit("CastLike", [ctx.constant(floats: [0], shape: [], "zero"), x])])])], ["to": .int(1)], step: "NonZero")
                let reduced = try reduce(ctx, "ReduceMax", axis: ctx.config["axis"], keepdims: try ctx.bool("keepdims", default: false), input: nonzero)
                return [try ctx.emit("Cast", [reduced[0]], ["to": .int(9)], step: "Any")]
            },
            "NotEqual": { ctx in [try ctx.emit("Not", [try ctx.emit("Equal", try sameTypeOperands(ctx), step: "Equal")])] },
            "GetItem": { ctx in
                // Keras 3 `x[key]`: the key is the second positional argument, a slice, an index or a list of them.
                guard ctx.arguments.count == 2, case .value(let x) = ctx.arguments[0], case .constant(let key) = ctx.arguments[1] else {
                    throw ctx.error("expected a tensor and a constant index", kind: .unsupported)
                }
                return [try getItem(ctx, x, spec: key)]
            },
            "Transpose": { ctx in
                let x = try ctx.singleInput()
                let perm = try ctx.intList("axes") ?? Array((0 ..< (try ctx.rank(x))).reversed())
                return [try ctx.emit("Transpose", [x], ["perm": .ints(perm)])]
            },
        ]
        for (name, op) in [("Relu", "Relu"), ("Sigmoid", "Sigmoid"), ("Tanh", "Tanh"), ("Exp", "Exp"), ("Sqrt", "Sqrt"), ("Abs", "Abs"),
                           ("Negative", "Neg"), ("Log", "Log")] {
            table[name] = { ctx in [try ctx.emit(op, [try ctx.singleInput()])] }
        }
        return table
    }()

    /// TensorFlow functions of Keras 2 op layers: ONNX op for elementwise binaries and unaries.
    private static let tfBinary: [String: String] = [
        "math.multiply": "Mul", "__operators__.mul": "Mul", "math.add": "Add", "__operators__.add": "Add",
        "math.subtract": "Sub", "__operators__.sub": "Sub", "math.truediv": "Div", "__operators__.truediv": "Div",
        "math.divide": "Div", "math.maximum": "Max", "math.minimum": "Min", "math.pow": "Pow",
        "math.equal": "Equal", "math.greater": "Greater", "math.less": "Less",
    ]
    private static let tfUnary: [String: String] = [
        "nn.relu": "Relu", "math.sigmoid": "Sigmoid", "nn.sigmoid": "Sigmoid", "math.tanh": "Tanh", "nn.tanh": "Tanh",
        "math.exp": "Exp", "math.sqrt": "Sqrt", "math.abs": "Abs", "math.negative": "Neg", "math.log": "Log",
    ]
    private static let tfReduce: [String: String] = [
        "math.reduce_mean": "ReduceMean", "math.reduce_sum": "ReduceSum", "math.reduce_max": "ReduceMax", "math.reduce_min": "ReduceMin",
    ]

    static func tfOpLambda(_ ctx: KerasLayerContext) throws -> [String] {
        let function = try ctx.string("function")
        guard let x = ctx.inputs.first else { throw ctx.error("expected an input tensor") }
        if let op = tfBinary[function] {
            let y: String
            if let tensor = ctx.kwargTensors["y"]?.first ?? (ctx.inputs.count > 1 ? ctx.inputs[1] : nil) {
                y = tensor
            } else if let number = ctx.kwargs["y"]?.double {
                y = try ctx.emit("CastLike", [ctx.constant(floats: [Float(number)], shape: [], "y"), x], step: "Constant")
            } else {
                throw ctx.optionError("y", "expected a tensor or a number", kind: .unsupported)
            }
            return [try ctx.emit(op, [x, y])]
        }
        if let op = tfUnary[function] { return [try ctx.emit(op, [x])] }
        if let op = tfReduce[function] {
            return try reduce(ctx, op, axis: ctx.kwargs["axis"], keepdims: ctx.kwargs["keepdims"]?.bool ?? false)
        }
        switch function {
        case "compat.v1.transpose", "transpose", "linalg.matrix_transpose":
            let perm = try ctx.kwargs["perm"]?.ints ?? Array((0 ..< (try ctx.rank(x))).reversed())
            return [try ctx.emit("Transpose", [x], ["perm": .ints(perm)])]
        case "reshape":
            guard let shape = ctx.kwargs["shape"]?.ints else { throw ctx.optionError("shape", "expected constant integers") }
            return [try ctx.emit("Reshape", [x, ctx.constant(int64s: shape.map(Int64.init), "shape")])]
        case "concat":
            let axis = ctx.kwargs["axis"]?.int ?? 0
            return [try ctx.emit("Concat", ctx.inputs, ["axis": .int(axis)])]
        case "nn.softmax":
            return [try ctx.emit("Softmax", [x], ["axis": .int(ctx.kwargs["axis"]?.int ?? -1)])]
        case "__operators__.getitem":
            return [try getItem(ctx, x, spec: ctx.kwargs["slice_spec"])]
        default:
            throw ctx.error("layer class '\(ctx.className)' with function '\(function)' is not supported", kind: .unsupported)
        }
    }

    /// Reduction over `axis` (an int, a list, or null for every axis).
    static func reduce(_ ctx: KerasLayerContext, _ op: String, axis: KerasJSON?, keepdims: Bool, input: String? = nil) throws -> [String] {
        let x = try input ?? ctx.singleInput()
        var inputs = [x]
        if let axis, !axis.isNull {
            guard let axes = axis.int.map({ [$0] }) ?? axis.ints else { throw ctx.optionError("axis", "expected integers", kind: .invalidModel) }
            inputs.append(try ctx.constant(int64s: axes.map(Int64.init), "axes"))
        }
        return [try ctx.emit(op, inputs, ["keepdims": .int(keepdims ? 1 : 0)])]
    }

    /// The two positional operands of a binary comparison; a number becomes a scalar of the tensor
    /// operand's dtype (`keras.ops.not_equal(tokens, 0)` on int32 tokens).
    static func sameTypeOperands(_ ctx: KerasLayerContext) throws -> [String] {
        let operands = ctx.arguments.isEmpty ? ctx.inputs.map { KerasLayerContext.Operand.value($0) } : ctx.arguments
        guard operands.count == 2, let reference = ctx.inputs.first else {
            throw ctx.error("expected 2 operands with at least one tensor, got \(operands.count) operands")
        }
        return try operands.map { operand in
            switch operand {
            case .value(let value): return value
            case .constant(let json):
                guard let number = json.double else { throw ctx.error("a positional argument is neither a tensor nor a number", kind: .unsupported) }
                return try ctx.emit("CastLike", [ctx.constant(floats: [Float(number)], shape: [], "operand"), reference], step: "Constant")
            }
        }
    }

    /// `x[spec]` for a list of `{start, stop, step}` slices and integer indices (an index drops its axis);
    /// Keras 3 writes a slice as `{"class_name": "__slice__", "config": {start, stop, step}}`.
    static func getItem(_ ctx: KerasLayerContext, _ x: String, spec: KerasJSON?) throws -> String {
        let rawItems = spec?.array ?? (spec.map { [$0] } ?? [])
        guard !rawItems.isEmpty else { throw ctx.optionError("slice_spec", "missing", kind: .invalidModel) }
        let items = try rawItems.map { item in
            guard let kind = item["class_name"]?.string else { return item }
            // Any other tagged key (`__ellipsis__`, …) would otherwise read as a full slice.
            guard kind == "__slice__", let config = item["config"] else {
                throw ctx.optionError("slice_spec", "only slices and integer indices are supported, found '\(kind)'")
            }
            return config
        }
        var starts: [Int64] = [], ends: [Int64] = [], axes: [Int64] = [], steps: [Int64] = [], dropped: [Int64] = []
        for (axis, item) in items.enumerated() {
            if let index = item.int {
                starts.append(Int64(index)); ends.append(index == -1 ? Int64.max : Int64(index + 1)); axes.append(Int64(axis)); steps.append(1)
                dropped.append(Int64(axis))
                continue
            }
            guard item.object != nil else { throw ctx.optionError("slice_spec", "only slices and integer indices are supported") }
            let step = item["step"]?.int ?? 1
            guard step != 0 else { throw ctx.optionError("slice_spec", "a slice step of 0", kind: .invalidModel) }
            let start = item["start"]?.int.map(Int64.init) ?? (step > 0 ? 0 : Int64.max)
            let stop = item["stop"]?.int.map(Int64.init) ?? (step > 0 ? Int64.max : Int64.min)
            if item["start"]?.int == nil && item["stop"]?.int == nil && step == 1 { continue }
            starts.append(start); ends.append(stop); axes.append(Int64(axis)); steps.append(Int64(step))
        }
        var y = x
        if !axes.isEmpty {
            y = try ctx.emit("Slice", [x, ctx.constant(int64s: starts, "starts"), ctx.constant(int64s: ends, "ends"),
                                       ctx.constant(int64s: axes, "axes"), ctx.constant(int64s: steps, "steps")])
        }
        if !dropped.isEmpty { y = try ctx.emit("Squeeze", [y, ctx.constant(int64s: dropped, "dropped_axes")]) }
        return y
    }
}

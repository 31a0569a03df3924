import StrataCore

extension KerasLayerTable {
    /// Activation layers: Activation, ReLU, LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax.
    static let activations: [String: KerasLayerLowering] = [
        "Activation": { ctx in
            let x = try ctx.singleInput()
            guard ctx.activationIsElementwise else { return [try ctx.applyActivationOption(x)] }
            return [try ctx.layoutFree(x) { try ctx.applyActivationOption($0) }]
        },
        "ReLU": relu,
        "LeakyReLU": { ctx in
            let slope = try ctx.optionalFloat("negative_slope") ?? ctx.optionalFloat("alpha") ?? 0.3
            return [try ctx.layoutFree(try ctx.singleInput()) {
                try ctx.computesIn16Bits ? ctx.sixteenBitLeakyRelu($0, alpha: slope) : ctx.emit("LeakyRelu", [$0], ["alpha": .float(slope)])
            }]
        },
        "ELU": { ctx in
            let alpha = try ctx.float("alpha", default: 1)
            return [try ctx.layoutFree(try ctx.singleInput()) {
                try ctx.computesIn16Bits ? ctx.sixteenBitElu($0, alpha: alpha) : ctx.emit("Elu", [$0], ["alpha": .float(alpha)])
            }]
        },
        "ThresholdedReLU": { ctx in
            let x = try ctx.singleInput()
            let theta = try ctx.float("theta", default: 1)
            let mask = try ctx.emit("Greater", [x, ctx.constant(floats: [theta], shape: [], "theta")])
            return [try ctx.emit("Where", [mask, x, ctx.constant(floats: [0], shape: [], "zero")])]
        },
        "Softmax": softmaxLayer,
        "PReLU": prelu,
    ]

    /// The Softmax layer over its axis or axes. A mask (the `mask` keyword, or the input's implicit mask)
    /// moves masked positions far below the rest first: Keras 3 replaces them by −1e9 (−3·10⁴ in float16)
    /// and zeroes them in the output; Keras 2 adds `(1 − mask) · (−1e9)` (float16: its minimum / 2), or
    /// with `robust_masking` replaces them, and leaves the output as it is.
    static func softmaxLayer(_ ctx: KerasLayerContext) throws -> [String] {
        var x = try ctx.singleInput()
        let rank = try ctx.rank(x)
        let axes = try ctx.intList("axis") ?? [-1]
        let mask = try ctx.sequenceMask()
        let dtype = ctx.builder.type(of: x)?.dtype ?? .float32
        let keep = try mask.map { try keptPositions(ctx, $0) }
        if let mask, let keep {
            let negative: Float = ctx.kerasMajor >= 3 ? (dtype == .float16 ? -3e4 : -1e9) : (dtype == .float16 ? -32752 : -1e9)
            let low = try ctx.constant(floats: [negative], shape: [], "large_negative")
            if try ctx.kerasMajor >= 3 || ctx.bool("robust_masking", default: false) {
                x = try ctx.emit("Where", [keep, x, low], step: "MaskInputs")
            } else {
                let weight = try ctx.cast(mask, to: dtype, step: "MaskWeight")
                let dropped = try ctx.emit("Sub", [ctx.constant(floats: [1], shape: [], "one"), weight], step: "MaskDropped")
                x = try ctx.emit("Add", [x, try ctx.emit("Mul", [dropped, low], step: "MaskAdder")], step: "MaskInputs")
            }
        }
        var y = axes.count == 1 ? try ctx.emit("Softmax", [x], ["axis": .int(axes[0])])
            : try softmax(ctx, x, axes: normalizedAxes(ctx, axes, rank: rank))
        if ctx.kerasMajor >= 3, let keep {
            y = try ctx.emit("Where", [keep, y, ctx.constant(floats: [0], shape: [], "zero")], step: "MaskOutputs")
        }
        return [y]
    }

    /// A softmax mask as bools: bool masks as they are, others kept where greater than 0.5 cast to the
    /// mask's dtype (0 for integer masks), as Keras compares them.
    static func keptPositions(_ ctx: KerasLayerContext, _ mask: String) throws -> String {
        guard let dtype = ctx.builder.type(of: mask)?.dtype, dtype != .bool else { return mask }
        let wide = try ctx.cast(mask, to: .float32, step: "MaskToFloat32")
        let threshold = Tensor([Float(dtype.isFloatingPoint ? 0.5 : 0)], shape: [])
        return try ctx.emit("Greater", [wide, ctx.builder.constant(threshold, name: "\(ctx.nodeBase)/mask_threshold")], step: "MaskKept")
    }

    /// Softmax over several axes at once (ONNX Softmax takes one), as Keras computes it:
    /// `exp(x − logsumexp(x))` with TensorFlow's `logsumexp = log(Σ exp(x − max)) + max` over all of `axes`.
    static func softmax(_ ctx: KerasLayerContext, _ x: String, axes: [Int]) throws -> String {
        let axesValue = try ctx.constant(int64s: axes.sorted().map(Int64.init), "axes")
        let maximum = try ctx.emit("ReduceMax", [x, axesValue], ["keepdims": .int(1)], step: "Max")
        let exp = try ctx.emit("Exp", [try ctx.emit("Sub", [x, maximum], step: "Shift")], step: "ShiftedExp")
        let sum = try ctx.emit("ReduceSum", [exp, axesValue], ["keepdims": .int(1)], step: "Sum")
        let logSumExp = try ctx.emit("Add", [try ctx.emit("Log", [sum], step: "LogSum"), maximum], step: "LogSumExp")
        return try ctx.emit("Exp", [try ctx.emit("Sub", [x, logSumExp], step: "LogSoftmax")], step: "Softmax")
    }

    /// `max_value` if x ≥ max_value, x if x ≥ threshold, else negative_slope · (x − threshold).
    static func relu(_ ctx: KerasLayerContext) throws -> [String] {
        let maxValue = try ctx.optionalFloat("max_value")
        let slope = try ctx.float("negative_slope", default: 0)
        let threshold = try ctx.float("threshold", default: 0)
        return [try ctx.layoutFree(try ctx.singleInput()) { x in try relu(ctx, x, maxValue: maxValue, slope: slope, threshold: threshold) }]
    }

    static func relu(_ ctx: KerasLayerContext, _ x: String, maxValue: Float?, slope: Float, threshold: Float) throws -> String {
        var y: String
        if slope == 0 && threshold == 0 {
            y = try ctx.emit("Relu", [x])
        } else {
            let t = try ctx.constant(floats: [threshold], shape: [], "threshold")
            let below = try ctx.emit("Mul", [try ctx.emit("Sub", [x, t]), ctx.constant(floats: [slope], shape: [], "slope")])
            y = try ctx.emit("Where", [try ctx.emit("GreaterOrEqual", [x, t]), x, below])
        }
        if let maxValue { y = try ctx.emit("Min", [y, ctx.constant(floats: [maxValue], shape: [], "max_value")]) }
        return y
    }

    /// `alpha` has the input's shape without the batch axis, with size 1 along `shared_axes`.
    static func prelu(_ ctx: KerasLayerContext) throws -> [String] {
        let x = try ctx.singleInput()
        let shape = try ctx.shape(x)
        var alphaShape = try (1 ..< shape.count).map { try ctx.knownDim(x, $0) }
        for axis in try ctx.intList("shared_axes") ?? [] where axis >= 1 && axis < shape.count { alphaShape[axis - 1] = 1 }
        let alpha = try ctx.weightValue(0, "alpha", shape: alphaShape)
        return [try ctx.emit("PRelu", [x, alpha])]
    }
}

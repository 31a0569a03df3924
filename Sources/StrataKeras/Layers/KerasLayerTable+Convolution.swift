import StrataCore

extension KerasLayerTable {
    /// Conv1D/2D/3D, Conv1D/2DTranspose, DepthwiseConv1D/2D, SeparableConv1D/2D.
    static let convolution: [String: KerasLayerLowering] = [
        "Conv1D": { try conv($0, rank: 1) }, "Conv2D": { try conv($0, rank: 2) }, "Conv3D": { try conv($0, rank: 3) },
        "Convolution1D": { try conv($0, rank: 1) }, "Convolution2D": { try conv($0, rank: 2) }, "Convolution3D": { try conv($0, rank: 3) },
        "Conv1DTranspose": { try convTranspose($0, rank: 1) }, "Conv2DTranspose": { try convTranspose($0, rank: 2) },
        "Conv3DTranspose": { try convTranspose($0, rank: 3) },
        "DepthwiseConv1D": { try depthwise($0, rank: 1) }, "DepthwiseConv2D": { try depthwise($0, rank: 2) },
        "SeparableConv1D": { try separable($0, rank: 1) }, "SeparableConv2D": { try separable($0, rank: 2) },
    ]

    /// Keras kernel `[k…, in, out]` → ONNX `[out, in, k…]` (also right for transposed kernels `[k…, out, in]` → `[in, out, k…]`).
    static func kernelToONNX(_ rank: Int) -> KerasWeightTransform {
        let perm = [rank + 1, rank] + Array(0 ..< rank)
        return KerasWeightTransform(shape: { s in perm.map { s[$0] } }, apply: { try $0.deferredPermuted(perm) })
    }

    struct WindowOptions {
        var kernel: [Int]
        var strides: [Int]
        var dilations: [Int]
        var padding: String
        var channelsFirst: Bool
    }

    static func windowOptions(_ ctx: KerasLayerContext, rank: Int, kernelKey: String = "kernel_size") throws -> WindowOptions {
        WindowOptions(
            kernel: try ctx.positiveInts(kernelKey, count: rank),
            strides: try ctx.positiveInts("strides", count: rank, default: Array(repeating: 1, count: rank)),
            dilations: try ctx.positiveInts("dilation_rate", count: rank, default: Array(repeating: 1, count: rank)),
            padding: try ctx.padding(allowCausal: rank == 1),
            channelsFirst: try ctx.channelsFirst())
    }

    /// One ONNX Conv over a channels-first value, padding as Keras does ("causal" pads the start only).
    static func convNode(
        _ ctx: KerasLayerContext, _ x: String, weight: String, bias: String?, options o: WindowOptions, group: Int, step: String = "Conv"
    ) throws -> String {
        var attributes = try paddingAttributes(ctx, o.padding == "causal" ? "valid" : o.padding, input: x, kernel: o.kernel,
                                               strides: o.strides, dilations: o.dilations)
        if o.padding == "causal" {
            attributes["pads"] = .ints([(o.kernel[0] - 1) * o.dilations[0], 0])
        }
        attributes["kernel_shape"] = .ints(o.kernel)
        attributes["strides"] = .ints(o.strides)
        attributes["dilations"] = .ints(o.dilations)
        attributes["group"] = .int(group)
        return try ctx.emit("Conv", [x, weight] + (bias.map { [$0] } ?? []), attributes, step: step)
    }

    /// The padding attributes of a window over a channels-first value: explicit `pads` when the spatial
    /// sizes are known; for "same" over sizes known only at run time (`Input((None, None, 3))`), ONNX
    /// `auto_pad = SAME_UPPER`, which is TensorFlow's SAME (the odd pixel at the end) resolved per input.
    static func paddingAttributes(
        _ ctx: KerasLayerContext, _ padding: String, input: String, kernel: [Int], strides: [Int], dilations: [Int]
    ) throws -> [String: Attribute] {
        let spatial = try ctx.shape(input).dropFirst(2)
        if padding == "same", spatial.contains(where: { $0.value == nil }) {
            return ["auto_pad": .string("SAME_UPPER")]
        }
        return ["pads": .ints(try ctx.pads(padding, input: input, kernel: kernel, strides: strides, dilations: dilations))]
    }

    /// Applies the layer's activation inside the channels-first section when it is elementwise (so the
    /// next layer can use the twin), otherwise after returning to the layer's layout.
    static func convolutionOutput(_ ctx: KerasLayerContext, _ x: String, channelsFirst: Bool, _ body: (String) throws -> String) throws -> [String] {
        let elementwise = ctx.activationIsElementwise
        let y = try ctx.inChannelsFirst(x, channelsFirst: channelsFirst) { v in
            let c = try body(v)
            return elementwise ? try ctx.applyActivationOption(c) : c
        }
        return [elementwise ? y : try ctx.applyActivationOption(y)]
    }

    static func conv(_ ctx: KerasLayerContext, rank: Int) throws -> [String] {
        let x = try ctx.singleInput()
        let o = try windowOptions(ctx, rank: rank)
        let filters = try ctx.int("filters", atLeast: 1)
        let groups = try ctx.int("groups", default: 1, atLeast: 1)
        let channels = try ctx.knownDim(x, o.channelsFirst ? 1 : -1)
        guard groups > 0, channels % groups == 0, filters % groups == 0 else {
            throw ctx.optionError("groups", "\(groups) does not divide \(channels) input channels and \(filters) filters", kind: .invalidModel)
        }
        let weight = try ctx.weightValue(0, "kernel", shape: o.kernel + [channels / groups, filters], transform: kernelToONNX(rank))
        let bias = try ctx.bool("use_bias", default: true) ? try ctx.weightValue(1, "bias", shape: [filters]) : nil
        return try convolutionOutput(ctx, x, channelsFirst: o.channelsFirst) { v in
            try convNode(ctx, v, weight: weight, bias: bias, options: o, group: groups)
        }
    }

    static func depthwise(_ ctx: KerasLayerContext, rank: Int) throws -> [String] {
        let x = try ctx.singleInput()
        let o = try windowOptions(ctx, rank: rank)
        let multiplier = try ctx.int("depth_multiplier", default: 1, atLeast: 1)
        let channels = try ctx.knownDim(x, o.channelsFirst ? 1 : -1)
        let weight = try ctx.weightValue(0, "depthwise_kernel", shape: o.kernel + [channels, multiplier], transform: depthwiseToONNX(rank))
        let bias = try ctx.bool("use_bias", default: true) ? try ctx.weightValue(1, "bias", shape: [channels * multiplier]) : nil
        return try convolutionOutput(ctx, x, channelsFirst: o.channelsFirst) { v in
            try convNode(ctx, v, weight: weight, bias: bias, options: o, group: channels)
        }
    }

    /// Keras depthwise kernel `[k…, C, M]` → ONNX grouped weight `[C·M, 1, k…]` (output channel `c·M + m`).
    static func depthwiseToONNX(_ rank: Int) -> KerasWeightTransform {
        let shape: ([Int]) -> [Int] = { s in [s[rank] * s[rank + 1], 1] + Array(s[0 ..< rank]) }
        return KerasWeightTransform(shape: shape, apply: { t in
            try t.deferredPermuted([rank, rank + 1] + Array(0 ..< rank)).reshaped(shape(t.shape))
        })
    }

    static func separable(_ ctx: KerasLayerContext, rank: Int) throws -> [String] {
        let x = try ctx.singleInput()
        let o = try windowOptions(ctx, rank: rank)
        let multiplier = try ctx.int("depth_multiplier", default: 1, atLeast: 1)
        let filters = try ctx.int("filters", atLeast: 1)
        let channels = try ctx.knownDim(x, o.channelsFirst ? 1 : -1)
        let depthwise = try ctx.weightValue(0, "depthwise_kernel", shape: o.kernel + [channels, multiplier], transform: depthwiseToONNX(rank))
        let ones = Array(repeating: 1, count: rank)
        let pointwise = try ctx.weightValue(1, "pointwise_kernel", shape: ones + [channels * multiplier, filters], transform: kernelToONNX(rank))
        let bias = try ctx.bool("use_bias", default: true) ? try ctx.weightValue(2, "bias", shape: [filters]) : nil
        return try convolutionOutput(ctx, x, channelsFirst: o.channelsFirst) { v in
            let d = try convNode(ctx, v, weight: depthwise, bias: nil, options: o, group: channels, step: "DepthwiseConv")
            let point = WindowOptions(kernel: ones, strides: ones, dilations: ones, padding: "valid", channelsFirst: true)
            return try convNode(ctx, d, weight: pointwise, bias: bias, options: point, group: 1, step: "PointwiseConv")
        }
    }

    /// Transposed convolution with TensorFlow's geometry: the full output `(n-1)·s + k_eff` is cropped
    /// to Keras' output length, the odd pixel cropped at the end; a longer output gets `output_padding`.
    static func convTranspose(_ ctx: KerasLayerContext, rank: Int) throws -> [String] {
        let x = try ctx.singleInput()
        let o = try windowOptions(ctx, rank: rank)
        guard o.padding != "causal" else { throw ctx.optionError("padding", "'causal' is not supported for transposed convolutions") }
        let filters = try ctx.int("filters", atLeast: 1)
        let channels = try ctx.knownDim(x, o.channelsFirst ? 1 : -1)
        let outputPadding = try ctx.intList("output_padding").map { $0.count == 1 ? Array(repeating: $0[0], count: rank) : $0 }
        if let outputPadding {
            // As Keras' constructor: one value per axis, each at least 0 and smaller than the stride.
            guard outputPadding.count == rank, zip(outputPadding, o.strides).allSatisfy({ $0 >= 0 && $0 < $1 }) else {
                throw ctx.optionError("output_padding", "\(outputPadding) must have \(rank) values, each at least 0 and smaller than "
                                      + "the strides \(o.strides)", kind: .invalidModel)
            }
        }
        let weight = try ctx.weightValue(0, "kernel", shape: o.kernel + [filters, channels], transform: kernelToONNX(rank))
        let bias = try ctx.bool("use_bias", default: true) ? try ctx.weightValue(1, "bias", shape: [filters]) : nil
        return try convolutionOutput(ctx, x, channelsFirst: o.channelsFirst) { v in
            // The full output (n-1)·s + k exceeds Keras' length by an amount that does not depend on n, so
            // inputs whose size is known only at run time are handled alike.
            var begin: [Int] = [], end: [Int] = [], extra: [Int] = []
            for i in 0 ..< rank {
                let k = (o.kernel[i] - 1) * o.dilations[i] + 1
                let s = o.strides[i]
                let surplus: Int
                if let op = outputPadding?[i] {
                    let pad = o.padding == "same" ? k / 2 : 0
                    surplus = 2 * pad - op
                } else {
                    surplus = o.padding == "same" ? k - s : k - s - max(k - s, 0)
                }
                let b = o.padding == "same" ? max(surplus, 0) / 2 : 0
                let e = surplus - b
                begin.append(b)
                end.append(max(e, 0))
                extra.append(max(-e, 0))
            }
            let attributes: [String: Attribute] = [
                "kernel_shape": .ints(o.kernel), "strides": .ints(o.strides), "dilations": .ints(o.dilations),
                "pads": .ints(begin + end), "output_padding": .ints(extra),
            ]
            return try ctx.emit("ConvTranspose", [v, weight] + (bias.map { [$0] } ?? []), attributes)
        }
    }
}

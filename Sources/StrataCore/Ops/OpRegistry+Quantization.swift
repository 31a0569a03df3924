extension OpRegistry {
    /// The `com.microsoft` domain, for the contrib ops onnxruntime.quantization's QOperator format emits.
    public static let microsoftDomain = "com.microsoft"

    /// Quantize/dequantize steps, integer convolutions and matrix products, and onnxruntime's
    /// quantized contrib ops (`com.microsoft`, opset 1), as onnxruntime's ContribOperators.md defines them.
    static let quantizationSchemas: [OpSchema] = [
        OpSchema("QuantizeLinear", opsets: 10...OpRegistry.latestOpset, inputs: 2...3, category: .elementwise,
                 attributes: QuantizeAttributes.self) { ctx in
            let x = try ctx.type(0)
            return [ValueType(try quantizedDType(ctx, zeroPoint: 2), x.shape)]
        },
        OpSchema("DequantizeLinear", opsets: 10...OpRegistry.latestOpset, inputs: 2...3, category: .elementwise,
                 attributes: QuantizeAttributes.self) { ctx in
            let x = try ctx.type(0)
            let scale = try ctx.type(1)
            let code = try ctx.node.typed(QuantizeAttributes.self).outputDTypeCode
            let dtype = try code.map { try onnxDType(ctx, $0, attribute: "output_dtype") } ?? scale.dtype
            return [ValueType(dtype, x.shape)]
        },
        OpSchema("DynamicQuantizeLinear", opsets: 11...OpRegistry.latestOpset, inputs: 1...1, outputs: 3...3,
                 category: .elementwise) { ctx in
            let x = try ctx.type(0)
            return [ValueType(.uint8, x.shape), ValueType(.float32, []), ValueType(.uint8, [])]
        },
        OpSchema("MatMulInteger", opsets: 10...OpRegistry.latestOpset, inputs: 2...4, category: .dense) { ctx in
            [ValueType(.int32, try matMulShape(try ctx.shape(0), try ctx.shape(1), node: ctx.node))]
        },
        OpSchema("QLinearMatMul", opsets: 10...OpRegistry.latestOpset, inputs: 8...8, category: .dense) { ctx in
            let shape = try matMulShape(try ctx.shape(0), try ctx.shape(3), node: ctx.node)
            return [ValueType(try ctx.type(7).dtype, shape)]
        },
        OpSchema("ConvInteger", opsets: 10...OpRegistry.latestOpset, inputs: 2...4, category: .convolution,
                 attributes: ConvAttributes.self) { ctx in
            let y = try rule("Conv", ctx, inputs: [0, 1])
            return [ValueType(.int32, y.shape)]
        },
        OpSchema("QLinearConv", opsets: 10...OpRegistry.latestOpset, inputs: 8...9, category: .convolution,
                 attributes: ConvAttributes.self) { ctx in
            let y = try rule("Conv", ctx, inputs: [0, 3])
            return [ValueType(try ctx.type(7).dtype, y.shape)]
        },

        OpSchema("QLinearAdd", domain: microsoftDomain, opsets: 1...1, inputs: 7...8, category: .elementwise) { ctx in
            try quantizedBinary(ctx)
        },
        OpSchema("QLinearMul", domain: microsoftDomain, opsets: 1...1, inputs: 7...8, category: .elementwise) { ctx in
            try quantizedBinary(ctx)
        },
        OpSchema("QLinearLeakyRelu", domain: microsoftDomain, opsets: 1...1, inputs: 4...5, category: .activation,
                 attributes: AlphaAttributes.self) { ctx in
            [try ctx.type(0)]
        },
        OpSchema("QLinearSigmoid", domain: microsoftDomain, opsets: 1...1, inputs: 4...5, category: .activation) { ctx in
            [try ctx.type(0)]
        },
        OpSchema("QLinearGlobalAveragePool", domain: microsoftDomain, opsets: 1...1, inputs: 5...5, category: .pooling,
                 attributes: ChannelsLastAttributes.self) { ctx in
            let x = try ctx.type(0)
            guard let shape = x.shape else { throw InferenceContext.Unknown() }
            guard shape.count >= 3 else { throw ctx.error("input must have rank 3 or more, found \(shape.count)") }
            let ones = [Dim](repeating: 1, count: shape.count - 2)
            let channelsLast = try ctx.node.typed(ChannelsLastAttributes.self).channelsLast
            return [ValueType(x.dtype, channelsLast ? [shape[0]] + ones + [shape[shape.count - 1]] : Array(shape.prefix(2)) + ones)]
        },
        OpSchema("QLinearAveragePool", domain: microsoftDomain, opsets: 1...1, inputs: 4...5, category: .pooling,
                 attributes: ChannelsLastAttributes.self) { ctx in
            if try ctx.node.typed(ChannelsLastAttributes.self).channelsLast {
                throw ctx.node.attributeError("channels_last", "only 0 (channels first) is supported", kind: .unsupported)
            }
            return [try rule("AveragePool", ctx, inputs: [0])]
        },
        OpSchema("QLinearConcat", domain: microsoftDomain, opsets: 1...1, inputs: 5...Int.max, category: .merge) { ctx in
            guard (ctx.inputCount - 2) % 3 == 0 else {
                throw ctx.error("expected Y_scale, Y_zero_point and then (X, X_scale, X_zero_point) per input, found \(ctx.inputCount) inputs")
            }
            let y = try rule("Concat", ctx, inputs: Array(stride(from: 2, to: ctx.inputCount, by: 3)))
            return [ValueType(try ctx.type(1).dtype, y.shape)]
        },
        OpSchema("QGemm", domain: microsoftDomain, opsets: 1...1, inputs: 6...9, category: .dense,
                 attributes: GemmAttributes.self) { ctx in
            let y = try rule("Gemm", ctx, inputs: [0, 3])
            let dtype = ctx.hasInput(8) ? try ctx.type(8).dtype : ctx.hasInput(7) ? try ctx.type(0).dtype : .float32
            return [ValueType(dtype, y.shape)]
        },
    ]

    /// The output dtype of a quantizing op: the zero point's, else the `output_dtype` attribute, else uint8.
    static func quantizedDType(_ ctx: InferenceContext, zeroPoint: Int) throws -> DType {
        let declared = try ctx.node.typed(QuantizeAttributes.self).outputDTypeCode.map { try onnxDType(ctx, $0, attribute: "output_dtype") }
        if ctx.hasInput(zeroPoint) {
            let dtype = try ctx.type(zeroPoint).dtype
            if let declared, declared != dtype {
                throw ctx.node.attributeError("output_dtype", "is \(declared.rawValue) but the zero point is \(dtype.rawValue)")
            }
            return dtype
        }
        return declared ?? .uint8
    }

    private static func onnxDType(_ ctx: InferenceContext, _ code: Int, attribute: String) throws -> DType {
        guard let dtype = DType(onnxCode: code) else {
            throw ctx.node.attributeError(attribute, "element type \(code) is not supported", kind: .unsupported)
        }
        return dtype
    }

    /// QLinearAdd/QLinearMul: A and B (inputs 0 and 3) broadcast; the type of A.
    private static func quantizedBinary(_ ctx: InferenceContext) throws -> [ValueType] {
        let a = try ctx.type(0)
        return [ValueType(a.dtype, try Broadcasting.shape([try ctx.shape(0), try ctx.shape(3)]))]
    }

    /// The first output type of op `opType`'s rule applied to inputs `inputs` of `ctx`'s node, for
    /// quantized ops whose shapes follow a float op's.
    private static func rule(_ opType: String, _ ctx: InferenceContext, inputs: [Int]) throws -> ValueType {
        guard let schema = OpRegistry.schema(opType) else { preconditionFailure("no schema for \(opType)") }
        let pick = { (i: Int) -> ValueType? in i < ctx.inputTypes.count ? ctx.inputTypes[i] : nil }
        let sub = InferenceContext(
            node: ctx.node, inputTypes: inputs.map(pick),
            constants: inputs.map { ctx.constant($0) },
            shapeValues: inputs.map { $0 < ctx.shapeValues.count ? ctx.shapeValues[$0] : nil })
        guard let first = try schema.infer(sub).first else { throw InferenceContext.Unknown() }
        return first
    }
}

extension OpRegistry {
    /// Trigonometric and hyperbolic functions, float tests, shrinking activations, bitwise ops,
    /// mean-variance normalization and the window functions.
    static let mathSchemas: [OpSchema] = {
        let floatFunctions: [(String, Int, OpCategory, any OpAttributes.Type)] = [
            ("Acos", 7, .elementwise, NoAttributes.self), ("Asin", 7, .elementwise, NoAttributes.self),
            ("Atan", 7, .elementwise, NoAttributes.self), ("Tan", 7, .elementwise, NoAttributes.self),
            ("Acosh", 9, .elementwise, NoAttributes.self), ("Asinh", 9, .elementwise, NoAttributes.self),
            ("Atanh", 9, .elementwise, NoAttributes.self), ("Cosh", 9, .elementwise, NoAttributes.self),
            ("Sinh", 9, .elementwise, NoAttributes.self), ("Shrink", 9, .activation, ShrinkAttributes.self),
            ("ThresholdedRelu", 10, .activation, AlphaAttributes.self), ("Swish", 24, .activation, AlphaAttributes.self),
        ]
        let sameType: OpSchema.Inference = { ctx in [try ctx.type(0)] }
        let toBool: OpSchema.Inference = { ctx in [ValueType(.bool, try ctx.type(0).shape)] }
        let broadcast: OpSchema.Inference = { ctx in
            let (a, b) = (try ctx.type(0), try ctx.type(1))
            guard a.dtype == b.dtype else { throw ctx.error("inputs are \(a.dtype.rawValue) and \(b.dtype.rawValue); they must match") }
            return [ValueType(a.dtype, try Broadcasting.shape([try ctx.shape(0), try ctx.shape(1)]))]
        }
        let window: OpSchema.Inference = { ctx in
            [ValueType(try ctx.node.typed(SignalWindowAttributes.self).dtype, [ctx.dimsValue(0)?.first ?? .anonymous])]
        }
        return floatFunctions.map { name, since, category, attributes in
            OpSchema(name, opsets: since...latestOpset, inputs: 1...1, category: category, attributes: attributes, infer: sameType)
        } + [
            OpSchema("IsNaN", opsets: 9...latestOpset, inputs: 1...1, category: .elementwise, infer: toBool),
            OpSchema("IsInf", opsets: 10...latestOpset, inputs: 1...1, category: .elementwise, attributes: IsInfAttributes.self,
                     infer: toBool),
            OpSchema("SwiGLU", opsets: 28...latestOpset, inputs: 2...2, category: .activation, attributes: AlphaAttributes.self) { ctx in
                let (a, b) = (try ctx.type(0), try ctx.type(1))
                guard a.dtype == b.dtype else { throw ctx.error("A is \(a.dtype.rawValue) but B is \(b.dtype.rawValue)") }
                return [a]
            },
            OpSchema("BitwiseNot", opsets: 18...latestOpset, inputs: 1...1, category: .elementwise, infer: sameType),
            OpSchema("BitwiseAnd", opsets: 18...latestOpset, inputs: 2...2, category: .elementwise, infer: broadcast),
            OpSchema("BitwiseOr", opsets: 18...latestOpset, inputs: 2...2, category: .elementwise, infer: broadcast),
            OpSchema("BitwiseXor", opsets: 18...latestOpset, inputs: 2...2, category: .elementwise, infer: broadcast),
            OpSchema("BitShift", opsets: 11...latestOpset, inputs: 2...2, category: .elementwise, attributes: BitShiftAttributes.self,
                     infer: broadcast),
            OpSchema("LpPool", opsets: 11...latestOpset, inputs: 1...1, category: .pooling, attributes: PoolAttributes.self) { ctx in
                guard let average = OpRegistry.schema("AveragePool") else { preconditionFailure("AveragePool has no schema") }
                return try average.infer(ctx)
            },
            OpSchema("Col2Im", opsets: 18...latestOpset, inputs: 3...3, category: .reshape, attributes: WindowAttributes.self) { ctx in
                let x = try ctx.type(0)
                guard let image = ctx.dimsValue(1), let block = ctx.dimsValue(2)?.concrete, let shape = x.shape, shape.count == 3 else {
                    throw InferenceContext.Unknown()
                }
                let channels: Dim = shape[1].value.map { .known($0 / Swift.max(1, block.elementCount)) } ?? .anonymous
                return [ValueType(x.dtype, [shape[0], channels] + image)]
            },
            OpSchema("AffineGrid", opsets: 20...latestOpset, inputs: 2...2, category: .shape,
                     attributes: AffineGridAttributes.self) { ctx in
                let theta = try ctx.type(0)
                guard let size = ctx.dimsValue(1), size.count == 4 || size.count == 5 else { throw InferenceContext.Unknown() }
                return [ValueType(theta.dtype, [size[0]] + Array(size.dropFirst(2)) + [.known(size.count - 2)])]
            },
            OpSchema("Attention", opsets: 23...latestOpset, inputs: 3...7, outputs: 1...4, category: .attention,
                     attributes: AttentionAttributes.self) { ctx in
                let (q, v) = (try ctx.type(0), try ctx.type(2))
                var y: [Dim]?
                if let qs = q.shape, let vs = v.shape, qs.count == 4, vs.count == 4 { y = [qs[0], qs[1], qs[2], vs[3]] }
                if let qs = q.shape, qs.count == 3 { y = [qs[0], qs[1], .anonymous] }
                return Array([ValueType(q.dtype, y), ValueType(q.dtype, nil), ValueType(q.dtype, nil), ValueType(q.dtype, nil)]
                    .prefix(Swift.max(1, ctx.node.outputs.count)))
            },
            OpSchema("CausalConvWithState", opsets: 27...latestOpset, inputs: 2...4, outputs: 1...2, category: .convolution,
                     attributes: CausalConvWithStateAttributes.self) { ctx in
                let x = try ctx.type(0)
                var state: [Dim]?
                if let xs = x.shape, xs.count == 3, let ws = ctx.inputTypes[1]?.shape, ws.count == 3 {
                    state = [xs[0], xs[1], ws[2].value.map { .known(Swift.max($0 - 1, 0)) } ?? .anonymous]
                }
                return Array([x, ValueType(x.dtype, state)].prefix(Swift.max(1, ctx.node.outputs.count)))
            },
            OpSchema("LinearAttention", opsets: 27...latestOpset, inputs: 3...6, outputs: 1...2, category: .attention,
                     attributes: LinearAttentionAttributes.self) { ctx in
                let attributes = try ctx.node.typed(LinearAttentionAttributes.self)
                let (q, v) = (try ctx.type(0), try ctx.type(2))
                var y: [Dim]?, state: [Dim]?
                if let qs = q.shape, let vs = v.shape, qs.count == 3, vs.count == 3 {
                    let dv: Dim = vs[2].value.map { .known($0 / attributes.kvHeads) } ?? .anonymous
                    let dk: Dim = qs[2].value.map { .known($0 / attributes.qHeads) } ?? .anonymous
                    y = [qs[0], qs[1], dv.value.map { .known($0 * attributes.qHeads) } ?? .anonymous]
                    state = [qs[0], .known(attributes.kvHeads), dk, dv]
                }
                let stateType = ctx.node.inputs.count > 3 && !ctx.node.inputs[3].isEmpty ? (try ctx.type(3)).dtype : q.dtype
                return Array([ValueType(q.dtype, y), ValueType(stateType, state)].prefix(Swift.max(1, ctx.node.outputs.count)))
            },
            OpSchema("FlexAttention", domain: "ai.onnx.preview", opsets: 1...1, inputs: 3...3, category: .attention,
                     attributes: FlexAttentionAttributes.self) { ctx in
                let (q, v) = (try ctx.type(0), try ctx.type(2))
                var y: [Dim]?
                if let qs = q.shape, let vs = v.shape, qs.count == 4, vs.count == 4 { y = [qs[0], qs[1], qs[2], vs[3]] }
                return [ValueType(v.dtype, y)]
            },
            OpSchema("RotaryEmbedding", opsets: 23...latestOpset, inputs: 3...4, category: .attention,
                     attributes: RotaryEmbeddingAttributes.self, infer: sameType),
            OpSchema("MeanVarianceNormalization", opsets: 9...latestOpset, inputs: 1...1, category: .normalization,
                     attributes: MeanVarianceNormalizationAttributes.self, infer: sameType),
            OpSchema("HannWindow", opsets: 17...latestOpset, inputs: 1...1, category: .constant,
                     attributes: SignalWindowAttributes.self, infer: window),
            OpSchema("HammingWindow", opsets: 17...latestOpset, inputs: 1...1, category: .constant,
                     attributes: SignalWindowAttributes.self, infer: window),
            OpSchema("BlackmanWindow", opsets: 17...latestOpset, inputs: 1...1, category: .constant,
                     attributes: SignalWindowAttributes.self, infer: window),
        ]
    }()
}

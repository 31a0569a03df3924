extension OpRegistry {
    /// The losses: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (with its optional
    /// log-probability output).
    static let lossSchemas: [OpSchema] = [
        OpSchema("NegativeLogLikelihoodLoss", opsets: 12...latestOpset, inputs: 2...3, category: .other,
                 attributes: LossAttributes.self) { ctx in
            [try lossType(ctx)]
        },
        OpSchema("SoftmaxCrossEntropyLoss", opsets: 12...latestOpset, inputs: 2...3, outputs: 1...2, category: .other,
                 attributes: LossAttributes.self) { ctx in
            let loss = try lossType(ctx)
            return ctx.node.outputs.count > 1 ? [loss, try ctx.type(0)] : [loss]
        },
    ]

    /// The loss output: the target's shape with `reduction` "none", a scalar otherwise.
    private static func lossType(_ ctx: InferenceContext) throws -> ValueType {
        let x = try ctx.type(0)
        let reduction = try ctx.node.typed(LossAttributes.self).reduction
        return ValueType(x.dtype, reduction == .none ? try ctx.type(1).shape : [])
    }
}

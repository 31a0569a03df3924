extension OpRegistry {
    static let reductionSchemas: [OpSchema] = [
        "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
        "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp", "ReduceLogSum",
    ].map(reduceSchema) + [
        OpSchema("Softmax", inputs: 1...1, category: .activation, attributes: SoftmaxAttributes.self, infer: axisPreserving),
        OpSchema("LogSoftmax", inputs: 1...1, category: .activation, attributes: SoftmaxAttributes.self, infer: axisPreserving),
        OpSchema("Hardmax", inputs: 1...1, category: .activation, attributes: SoftmaxAttributes.self, infer: axisPreserving),
        OpSchema("ArgMax", inputs: 1...1, category: .reduction, attributes: ArgReduceAttributes.self, infer: argReduce),
        OpSchema("ArgMin", inputs: 1...1, category: .reduction, attributes: ArgReduceAttributes.self, infer: argReduce),
        OpSchema("CumSum", opsets: 11...latestOpset, inputs: 2...2, category: .reduction,
                 attributes: CumulativeAttributes.self) { ctx in
            [try ctx.type(0)]
        },
        OpSchema("CumProd", opsets: 26...latestOpset, inputs: 2...2, category: .reduction,
                 attributes: CumulativeAttributes.self) { ctx in
            [try ctx.type(0)]
        },
        OpSchema("TopK", inputs: 1...2, outputs: 2...2, category: .reduction, attributes: TopKAttributes.self, infer: topK),
    ]

    /// `Reduce*`: the input's dtype, the reduced axes dropped or kept as 1.
    private static func reduceSchema(_ opType: String) -> OpSchema {
        OpSchema(opType, inputs: 1...2, category: .reduction, attributes: ReduceAttributes.self) { ctx in
            let attributes = try ctx.node.typed(ReduceAttributes.self)
            let input = try ctx.type(0)
            guard let shape = input.shape else { throw InferenceContext.Unknown() }
            var axesInput: [Int]?
            if attributes.axesFromInput, ctx.hasInput(1) {
                guard let dims = ctx.dimsValue(1), let values = dims.concrete else { throw InferenceContext.Unknown() }
                axesInput = values
            }
            let reduction = try ReductionAxes(attributes, node: ctx.node, rank: shape.count, axesInput: axesInput)
            return [ValueType(input.dtype, reduction.outputShape(shape, one: 1))]
        }
    }

    /// Softmax, LogSoftmax and Hardmax: same type as the input, once the axis is checked.
    @Sendable private static func axisPreserving(_ ctx: InferenceContext) throws -> [ValueType] {
        let input = try ctx.type(0)
        if let rank = input.rank {
            _ = try AxisRules.normalize(try ctx.node.typed(SoftmaxAttributes.self).axis, rank: rank, node: ctx.node)
        }
        return [input]
    }

    /// ArgMax and ArgMin: int64 indices, the axis dropped or kept as 1.
    @Sendable private static func argReduce(_ ctx: InferenceContext) throws -> [ValueType] {
        let attributes = try ctx.node.typed(ArgReduceAttributes.self)
        let shape = try ctx.shape(0)
        let axis = try AxisRules.normalize(attributes.axis, rank: shape.count, node: ctx.node)
        var out = shape
        if attributes.keepDims { out[axis] = 1 } else { out.remove(at: axis) }
        return [ValueType(.int64, out)]
    }

    /// TopK: values of the input's dtype and int64 indices, the axis cut to `k`.
    @Sendable private static func topK(_ ctx: InferenceContext) throws -> [ValueType] {
        let attributes = try ctx.node.typed(TopKAttributes.self)
        let input = try ctx.type(0)
        guard var shape = input.shape else { throw InferenceContext.Unknown() }
        let axis = try AxisRules.normalize(attributes.axis, rank: shape.count, node: ctx.node)
        let k: Int
        if let attributeK = attributes.kAttribute {
            k = attributeK
        } else {
            guard ctx.hasInput(1) else { throw ctx.error("input 'K' is required") }
            guard let dims = ctx.dimsValue(1) else { throw InferenceContext.Unknown() }
            guard dims.count == 1 else { throw ctx.error("input 'K' must hold exactly one value") }
            guard let value = dims[0].value else { throw InferenceContext.Unknown() }
            k = value
        }
        guard k >= 0 else { throw ctx.error("k must not be negative, got \(k)") }
        if let n = shape[axis].value, k > n {
            throw ctx.error("k = \(k) is larger than the axis size \(n)")
        }
        shape[axis] = .known(k)
        return [ValueType(input.dtype, shape), ValueType(.int64, shape)]
    }
}

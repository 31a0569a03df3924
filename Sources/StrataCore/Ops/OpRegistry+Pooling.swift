extension OpRegistry {
    static let poolingSchemas: [OpSchema] = [
        OpSchema("MaxPool", inputs: 1...1, outputs: 1...2, category: .pooling, attributes: PoolAttributes.self) { ctx in
            let x = try ctx.type(0)
            let out = try windowPoolShape(ctx, x)
            let y = ValueType(x.dtype, out)
            return ctx.node.outputs.count > 1 ? [y, ValueType(.int64, out)] : [y]
        },
        OpSchema("AveragePool", inputs: 1...1, category: .pooling, attributes: PoolAttributes.self) { ctx in
            let x = try ctx.type(0)
            return [ValueType(x.dtype, try windowPoolShape(ctx, x))]
        },
        OpSchema("GlobalAveragePool", inputs: 1...1, category: .pooling) { ctx in
            let x = try ctx.type(0)
            return [ValueType(x.dtype, try globalPoolShape(ctx, x))]
        },
        OpSchema("GlobalMaxPool", inputs: 1...1, category: .pooling) { ctx in
            let x = try ctx.type(0)
            if let spatial = x.shape?.dropFirst(2), spatial.contains(.known(0)) {
                throw ctx.error("the maximum over an empty spatial extent \(Array(spatial).shapeDescription) does not exist")
            }
            return [ValueType(x.dtype, try globalPoolShape(ctx, x))]
        },
    ]

    private static func windowPoolShape(_ ctx: InferenceContext, _ x: ValueType) throws -> [Dim] {
        guard let shape = x.shape else { throw InferenceContext.Unknown() }
        guard shape.count >= 3 else { throw ctx.error("input must have rank 3 or more ([N, C, spatial…]), found \(shape.count)") }
        let rank = shape.count - 2
        let window = try SlidingWindow(try ctx.node.typed(PoolAttributes.self).window, node: ctx.node, rank: rank, kernel: nil,
                                       allowsCeilMode: true)
        try window.requirePadsSmallerThanKernel(node: ctx.node)
        let spatial = try (0..<rank).map { try window.outputDim($0, shape[2 + $0], node: ctx.node) }
        return Array(shape.prefix(2)) + spatial
    }

    private static func globalPoolShape(_ ctx: InferenceContext, _ x: ValueType) throws -> [Dim] {
        guard let shape = x.shape else { throw InferenceContext.Unknown() }
        guard shape.count >= 2 else { throw ctx.error("input must have rank 2 or more ([N, C, spatial…]), found \(shape.count)") }
        return Array(shape.prefix(2)) + Array(repeating: 1, count: shape.count - 2)
    }
}

extension OpRegistry {
    static let normalizationSchemas: [OpSchema] = [
        OpSchema("BatchNormalization", inputs: 5...5, outputs: 1...5, category: .normalization,
                 attributes: BatchNormalizationAttributes.self) { ctx in
            let x = try ctx.type(0)
            // The outputs after Y exist only in training mode, which the kernel rejects; they are
            // running and saved statistics with the types of the `mean` and `var` inputs.
            let statistics = (3...4).map { ctx.inputTypes.count > $0 ? ctx.inputTypes[$0] ?? x : x }
            return [x] + (1..<Swift.max(1, ctx.node.outputs.count)).map { statistics[($0 - 1) % 2] }
        },
        OpSchema("InstanceNormalization", inputs: 3...3, category: .normalization,
                 attributes: InstanceNormalizationAttributes.self) { ctx in
            [try ctx.type(0)]
        },
        OpSchema("LayerNormalization", opsets: 17...latestOpset, inputs: 2...3, outputs: 1...3,
                 category: .normalization, attributes: LayerNormalizationAttributes.self) { ctx in
            let attributes = try ctx.node.typed(LayerNormalizationAttributes.self)
            let x = try ctx.type(0)
            let stash = attributes.stashType
            guard let shape = x.shape else {
                return [x, ValueType(stash, nil), ValueType(stash, nil)]
            }
            let axis = try AxisRules.normalize(attributes.axis, rank: shape.count, node: ctx.node)
            let statShape = Array(shape[..<axis]) + Array(repeating: Dim.known(1), count: shape.count - axis)
            return [x, ValueType(stash, statShape), ValueType(stash, statShape)]
        },
        OpSchema("LpNormalization", inputs: 1...1, category: .normalization, attributes: LpNormalizationAttributes.self) { ctx in
            let attributes = try ctx.node.typed(LpNormalizationAttributes.self)
            let x = try ctx.type(0)
            if let rank = x.rank {
                _ = try AxisRules.normalize(attributes.axis, rank: rank, node: ctx.node)
            }
            return [x]
        },
        OpSchema("GroupNormalization", opsets: 18...latestOpset, inputs: 3...3, category: .normalization,
                 attributes: GroupNormalizationAttributes.self) { ctx in
            let groups = try ctx.node.typed(GroupNormalizationAttributes.self).groups
            let x = try ctx.type(0)
            if let channels = x.shape.flatMap({ $0.count > 1 ? $0[1].value : nil }), channels % groups != 0 {
                throw ctx.node.attributeError("num_groups", "\(groups) groups do not divide \(channels) channels")
            }
            return [x]
        },
        OpSchema("RMSNormalization", opsets: 23...latestOpset, inputs: 2...2, category: .normalization,
                 attributes: LayerNormalizationAttributes.self) { ctx in
            let attributes = try ctx.node.typed(LayerNormalizationAttributes.self)
            let x = try ctx.type(0)
            if let rank = x.rank {
                _ = try AxisRules.normalize(attributes.axis, rank: rank, node: ctx.node)
            }
            return [x]
        },
        OpSchema("LRN", inputs: 1...1, category: .normalization, attributes: LRNAttributes.self) { ctx in
            _ = try ctx.node.typed(LRNAttributes.self)
            return [try ctx.type(0)]
        },
    ]
}

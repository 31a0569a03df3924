extension OpRegistry {
    static let normalizationSchemas: [OpSchema] = [
        OpSchema("BatchNormalization", inputs: 5...5, outputs: 1...5, category: .normalization) { ctx in
            let x = try ctx.type(0)
            // The outputs after Y exist only in training mode, which the kernel rejects; they are
            // running and saved statistics with the types of the `mean` and `var` inputs.
            let statistics = (3...4).map { ctx.inputTypes.count > $0 ? ctx.inputTypes[$0] ?? x : x }
            return [x] + (1..<Swift.max(1, ctx.node.outputs.count)).map { statistics[($0 - 1) % 2] }
        },
        OpSchema("InstanceNormalization", inputs: 3...3, category: .normalization) { ctx in
            [try ctx.type(0)]
        },
        OpSchema("LayerNormalization", opsets: 17...latestOpset, inputs: 2...3, outputs: 1...3,
                 category: .normalization) { ctx in
            let x = try ctx.type(0)
            let stash = try layerNormStashType(ctx.node)
            guard let shape = x.shape else {
                return [x, ValueType(stash, nil), ValueType(stash, nil)]
            }
            let axis = try AxisRules.normalize(try ctx.node.int("axis", default: -1), rank: shape.count, node: ctx.node)
            let statShape = Array(shape[..<axis]) + Array(repeating: Dim.known(1), count: shape.count - axis)
            return [x, ValueType(stash, statShape), ValueType(stash, statShape)]
        },
        OpSchema("LpNormalization", inputs: 1...1, category: .normalization) { ctx in
            let x = try ctx.type(0)
            let p = try ctx.node.int("p", default: 2)
            guard p == 1 || p == 2 else { throw ctx.node.attributeError("p", "must be 1 or 2, got \(p)") }
            if let rank = x.rank {
                _ = try AxisRules.normalize(try ctx.node.int("axis", default: -1), rank: rank, node: ctx.node)
            }
            return [x]
        },
        OpSchema("GroupNormalization", opsets: 18...latestOpset, inputs: 3...3, category: .normalization) { ctx in
            let groups = try ctx.node.requiredInt("num_groups")
            guard groups > 0 else { throw ctx.node.attributeError("num_groups", "must be positive, got \(groups)") }
            let x = try ctx.type(0)
            if let channels = x.shape.flatMap({ $0.count > 1 ? $0[1].value : nil }), channels % groups != 0 {
                throw ctx.node.attributeError("num_groups", "\(groups) groups do not divide \(channels) channels")
            }
            return [x]
        },
        OpSchema("RMSNormalization", opsets: 23...latestOpset, inputs: 2...2, category: .normalization) { ctx in
            let x = try ctx.type(0)
            _ = try layerNormStashType(ctx.node)
            if let rank = x.rank {
                _ = try AxisRules.normalize(try ctx.node.int("axis", default: -1), rank: rank, node: ctx.node)
            }
            return [x]
        },
        OpSchema("LRN", inputs: 1...1, category: .normalization) { ctx in
            let size = try ctx.node.requiredInt("size")
            guard size > 0 else { throw ctx.node.attributeError("size", "must be positive, got \(size)") }
            return [try ctx.type(0)]
        },
    ]

    /// The dtype of LayerNormalization's Mean and InvStdDev outputs (`stash_type`, an ONNX
    /// TensorProto data type number; also checked for RMSNormalization and GroupNormalization).
    public static func layerNormStashType(_ node: Node) throws -> DType {
        let code = try node.int("stash_type", default: 1)
        switch code {
        case 1: return .float32
        case 10: return .float16
        case 11: return .float64
        case 16: return .bfloat16
        default: throw node.attributeError("stash_type", "expected a floating-point data type, got \(code)")
        }
    }
}

extension OpRegistry {
    /// Shape and data-movement ops; their type rules live in `Ops/Shape/ShapeTypeRules*.swift`.
    static let shapeSchemas: [OpSchema] = [
        OpSchema("Reshape", inputs: 1...2, category: .reshape,
                 shapeValue: ShapeTypeRules.sameValue, infer: ShapeTypeRules.reshape),
        OpSchema("Flatten", inputs: 1...1, category: .reshape,
                 shapeValue: ShapeTypeRules.sameValue, infer: ShapeTypeRules.flatten),
        OpSchema("Transpose", inputs: 1...1, category: .reshape,
                 shapeValue: ShapeTypeRules.transposeValue, infer: ShapeTypeRules.transpose),
        OpSchema("Squeeze", inputs: 1...2, category: .reshape,
                 shapeValue: ShapeTypeRules.sameValue, infer: ShapeTypeRules.squeeze),
        OpSchema("Unsqueeze", inputs: 1...2, category: .reshape,
                 shapeValue: ShapeTypeRules.sameValue, infer: ShapeTypeRules.unsqueeze),
        OpSchema("Concat", inputs: 1...Int.max, category: .merge,
                 shapeValue: ShapeTypeRules.concatValue, infer: ShapeTypeRules.concat),
        OpSchema("Split", inputs: 1...2, outputs: 1...Int.max, category: .reshape, infer: ShapeTypeRules.split),
        OpSchema("Slice", inputs: 1...5, category: .reshape,
                 shapeValue: ShapeTypeRules.sliceValue, infer: ShapeTypeRules.slice),
        OpSchema("Gather", inputs: 2...2, category: .reshape,
                 shapeValue: ShapeTypeRules.gatherValue, infer: ShapeTypeRules.gather),
        OpSchema("GatherElements", opsets: 11...OpRegistry.latestOpset, inputs: 2...2, category: .reshape,
                 infer: ShapeTypeRules.gatherElements),
        OpSchema("GatherND", opsets: 11...OpRegistry.latestOpset, inputs: 2...2, category: .reshape,
                 infer: ShapeTypeRules.gatherND),
        OpSchema("ScatterND", opsets: 11...OpRegistry.latestOpset, inputs: 3...3, category: .reshape,
                 infer: ShapeTypeRules.scatter),
        OpSchema("ScatterElements", opsets: 11...OpRegistry.latestOpset, inputs: 3...3, category: .reshape,
                 infer: ShapeTypeRules.scatter),
        OpSchema("Scatter", opsets: 9...10, inputs: 3...3, category: .reshape, infer: ShapeTypeRules.scatter),
        OpSchema("NonZero", opsets: 9...OpRegistry.latestOpset, inputs: 1...1, category: .other,
                 infer: ShapeTypeRules.dataDependent),
        OpSchema("Unique", opsets: 11...OpRegistry.latestOpset, inputs: 1...1, outputs: 1...4, category: .other) { ctx in
            let x = try ctx.type(0)
            let counted = ValueType(.int64, [.anonymous])
            return Array([ValueType(x.dtype, nil), counted, counted, counted].prefix(Swift.max(1, ctx.node.outputs.count)))
        },
        OpSchema("TensorScatter", opsets: 24...OpRegistry.latestOpset, inputs: 2...3, category: .other) { ctx in
            let (cache, update) = (try ctx.type(0), try ctx.type(1))
            guard cache.dtype == update.dtype else {
                throw ctx.error("past_cache is \(cache.dtype.rawValue) but update is \(update.dtype.rawValue)")
            }
            return [cache]
        },
        OpSchema("Compress", opsets: 9...OpRegistry.latestOpset, inputs: 2...2, category: .reshape,
                 infer: ShapeTypeRules.dataDependent),
        OpSchema("OneHot", opsets: 9...OpRegistry.latestOpset, inputs: 3...3, category: .other, infer: ShapeTypeRules.oneHot),
        OpSchema("EyeLike", opsets: 9...OpRegistry.latestOpset, inputs: 1...1, category: .constant,
                 infer: ShapeTypeRules.eyeLike),
        OpSchema("CenterCropPad", opsets: 18...OpRegistry.latestOpset, inputs: 2...2, category: .reshape,
                 infer: ShapeTypeRules.centerCropPad),
        OpSchema("ReverseSequence", opsets: 10...OpRegistry.latestOpset, inputs: 2...2, category: .reshape,
                 infer: ShapeTypeRules.reverseSequence),
        OpSchema("Shape", inputs: 1...1, category: .shape,
                 shapeValue: ShapeTypeRules.shapeOfInput, infer: ShapeTypeRules.shape),
        OpSchema("Size", inputs: 1...1, category: .shape,
                 shapeValue: ShapeTypeRules.sizeOfInput, infer: ShapeTypeRules.size),
        OpSchema("Constant", inputs: 0...0, category: .constant, infer: ShapeTypeRules.constant),
        OpSchema("ConstantOfShape", opsets: 9...OpRegistry.latestOpset, inputs: 1...1, category: .constant,
                 shapeValue: ShapeTypeRules.constantOfShapeValue, infer: ShapeTypeRules.constantOfShape),
        OpSchema("Expand", opsets: 8...OpRegistry.latestOpset, inputs: 2...2, category: .reshape,
                 infer: ShapeTypeRules.expand),
        OpSchema("Tile", opsets: 6...OpRegistry.latestOpset, inputs: 2...2, category: .reshape,
                 infer: ShapeTypeRules.tile),
        OpSchema("Pad", opsets: 2...OpRegistry.latestOpset, inputs: 1...4, category: .reshape,
                 infer: ShapeTypeRules.pad),
        OpSchema("Resize", opsets: 10...OpRegistry.latestOpset, inputs: 1...4, category: .other,
                 infer: ShapeTypeRules.resize),
        OpSchema("GridSample", opsets: 16...OpRegistry.latestOpset, inputs: 2...2, category: .other,
                 infer: ShapeTypeRules.gridSample),
        OpSchema("Upsample", opsets: 7...9, inputs: 1...2, category: .other, infer: ShapeTypeRules.upsample),
        OpSchema("DepthToSpace", inputs: 1...1, category: .reshape, infer: ShapeTypeRules.depthToSpace),
        OpSchema("SpaceToDepth", inputs: 1...1, category: .reshape, infer: ShapeTypeRules.spaceToDepth),
        OpSchema("Range", opsets: 11...OpRegistry.latestOpset, inputs: 3...3, category: .constant,
                 infer: ShapeTypeRules.range),
        OpSchema("Trilu", opsets: 14...OpRegistry.latestOpset, inputs: 1...2, category: .other,
                 infer: ShapeTypeRules.trilu),
    ]
}

extension OpRegistry {
    /// Sequence and optional values (ONNX opset 11 sequences, opset 15 optionals): the ops that
    /// make, take apart and pass them. A sequence holds tensors of one dtype (`TensorSequence`),
    /// an optional a tensor or a sequence, or nothing.
    static let sequenceSchemas: [OpSchema] = [
        OpSchema("SequenceEmpty", opsets: 11...latestOpset, inputs: 0...0, category: .other,
                 attributes: SequenceEmptyAttributes.self) { ctx in
            [.sequence(of: ValueType(try ctx.node.typed(SequenceEmptyAttributes.self).dtype, nil))]
        },
        OpSchema("SequenceConstruct", opsets: 11...latestOpset, inputs: 1...Int.max, category: .other,
                 infer: SequenceTypeRules.construct),
        OpSchema("SequenceInsert", opsets: 11...latestOpset, inputs: 2...3, category: .other,
                 infer: SequenceTypeRules.insert),
        OpSchema("SequenceAt", opsets: 11...latestOpset, inputs: 2...2, category: .other,
                 infer: SequenceTypeRules.at),
        OpSchema("SequenceErase", opsets: 11...latestOpset, inputs: 1...2, category: .other) { ctx in
            [try SequenceTypeRules.sequence(ctx, 0)]
        },
        OpSchema("SequenceLength", opsets: 11...latestOpset, inputs: 1...1, category: .other) { ctx in
            _ = try SequenceTypeRules.sequence(ctx, 0)
            return [ValueType(.int64, [])]
        },
        OpSchema("SplitToSequence", opsets: 11...latestOpset, inputs: 1...2, category: .other,
                 attributes: SplitToSequenceAttributes.self, infer: SequenceTypeRules.splitToSequence),
        OpSchema("ConcatFromSequence", opsets: 11...latestOpset, inputs: 1...1, category: .other,
                 attributes: ConcatFromSequenceAttributes.self, infer: SequenceTypeRules.concatFromSequence),
        OpSchema("SequenceMap", opsets: 17...latestOpset, inputs: 1...Int.max, outputs: 1...Int.max, category: .other,
                 infer: SequenceTypeRules.sequenceMap),
        OpSchema("Optional", opsets: 15...latestOpset, inputs: 0...1, category: .other,
                 attributes: OptionalAttributes.self, infer: SequenceTypeRules.optional),
        // Opset 18 lets the input be absent (an empty optional: false) or a tensor or sequence (true).
        OpSchema("OptionalHasElement", opsets: 15...latestOpset, inputs: 0...1, category: .other) { _ in
            [ValueType(.bool, [])]
        },
        OpSchema("OptionalGetElement", opsets: 15...latestOpset, inputs: 1...1, category: .other,
                 infer: SequenceTypeRules.getElement),
    ]
}

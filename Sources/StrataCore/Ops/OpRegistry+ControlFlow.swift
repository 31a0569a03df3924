extension OpRegistry {
    /// Control flow: ops whose attributes hold subgraphs (`If` branches, `Loop` and `Scan` bodies).
    static let controlFlowSchemas: [OpSchema] = [
        OpSchema("If", opsets: 1...latestOpset, inputs: 1...1, outputs: 1...Int.max, category: .other,
                 infer: ControlFlowTypeRules.ifRule),
        OpSchema("Loop", opsets: 1...latestOpset, inputs: 2...Int.max, outputs: 1...Int.max, category: .other,
                 infer: ControlFlowTypeRules.loopRule),
        OpSchema("Scan", opsets: 8...latestOpset, inputs: 1...Int.max, outputs: 1...Int.max, category: .other,
                 infer: ControlFlowTypeRules.scanRule),
    ]
}

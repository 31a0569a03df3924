extension OpRegistry {
    static let recurrentSchemas: [OpSchema] = [
        OpSchema("RNN", inputs: 3...6, outputs: 1...2, category: .recurrent, attributes: RecurrentAttributes.self, infer: recurrentTypes),
        OpSchema("GRU", inputs: 3...6, outputs: 1...2, category: .recurrent, attributes: RecurrentAttributes.self, infer: recurrentTypes),
        OpSchema("LSTM", inputs: 3...8, outputs: 1...3, category: .recurrent, attributes: RecurrentAttributes.self, infer: recurrentTypes),
    ]

    /// RNN, GRU and LSTM: Y is `[seq, directions, batch, hidden]` (`[batch, seq, directions, hidden]`
    /// with `layout` 1); Y_h and Y_c are `[directions, batch, hidden]` (`[batch, directions, hidden]`).
    @Sendable private static func recurrentTypes(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let node = ctx.node
        let attributes = try node.typed(RecurrentAttributes.self)
        let (directions, layout) = (attributes.directions, attributes.layout)
        var hidden: Dim?
        if let h = attributes.hiddenSize { hidden = .known(h) }
        if hidden == nil, let r = ctx.inputTypes.count > 2 ? ctx.inputTypes[2]?.shape : nil, r.count == 3 {
            hidden = r[2]
        }
        let count = node.outputs.count
        guard let shape = x.shape, let h = hidden else {
            return Array(repeating: ValueType(x.dtype, nil), count: count)
        }
        guard shape.count == 3 else { throw ctx.error("input X must have rank 3, got \(shape.shapeDescription)") }
        let (seq, batch) = layout == 0 ? (shape[0], shape[1]) : (shape[1], shape[0])
        let dirs = Dim.known(directions)
        let y = layout == 0 ? [seq, dirs, batch, h] : [batch, seq, dirs, h]
        let state = layout == 0 ? [dirs, batch, h] : [batch, dirs, h]
        return (0..<count).map { ValueType(x.dtype, $0 == 0 ? y : state) }
    }
}

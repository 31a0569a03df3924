extension OpRegistry {
    /// Spectral ops: DFT, STFT and the mel filter bank.
    static let signalSchemas: [OpSchema] = [
        OpSchema("DFT", opsets: 17...latestOpset, inputs: 1...3, category: .other, attributes: DFTAttributes.self) { ctx in
            let attributes = try ctx.node.typed(DFTAttributes.self)
            let x = try ctx.type(0)
            guard var shape = x.shape, shape.count >= 2 else { return [ValueType(x.dtype, nil)] }
            let (inverse, onesided) = (attributes.inverse, attributes.onesided)
            let axis: Int
            if let attributeAxis = attributes.axis {
                axis = attributeAxis
            } else if !ctx.hasInput(2) {
                axis = -2
            } else if let value = ctx.constant(2), value.count == 1 {
                axis = value.intValue(at: 0)
            } else {
                return [ValueType(x.dtype, nil)]
            }
            let a = axis < 0 ? axis + shape.count : axis
            guard (0..<(shape.count - 1)).contains(a) else { throw ctx.error("axis \(axis) is not a signal axis of rank \(shape.count)") }
            let length: Int?
            if ctx.hasInput(1) {
                length = ctx.constant(1).flatMap { $0.count == 1 ? $0.intValue(at: 0) : nil }
            } else {
                length = shape[a].value.map { inverse && onesided ? 2 * ($0 - 1) : $0 }
            }
            shape[a] = length.map { .known(!inverse && onesided ? $0 / 2 + 1 : $0) } ?? .anonymous
            shape[shape.count - 1] = .known(inverse && onesided ? 1 : 2)
            return [ValueType(x.dtype, shape)]
        },
        OpSchema("STFT", opsets: 17...latestOpset, inputs: 2...4, category: .other, attributes: STFTAttributes.self) { ctx in
            let x = try ctx.type(0)
            return [ValueType(x.dtype, [x.shape?.first ?? .anonymous, .anonymous, .anonymous, .known(2)])]
        },
        OpSchema("MelWeightMatrix", opsets: 17...latestOpset, inputs: 5...5, category: .constant,
                 attributes: MelWeightMatrixAttributes.self) { ctx in
            [ValueType(try ctx.node.typed(MelWeightMatrixAttributes.self).dtype, [.anonymous, .anonymous])]
        },
    ]
}

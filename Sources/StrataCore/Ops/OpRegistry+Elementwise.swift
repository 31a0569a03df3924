extension OpRegistry {
    static let elementwiseSchemas: [OpSchema] = arithmeticSchemas + unarySchemas + activationSchemas
        + comparisonSchemas + variadicSchemas + conversionSchemas

    /// Opsets `since` ... latest, clipped to the oldest opset Strata accepts.
    private static func from(_ since: Int) -> ClosedRange<Int> { Swift.max(oldestOpset, since)...latestOpset }

    private static let arithmeticSchemas: [OpSchema] = [
        OpSchema("Add", inputs: 2...2, category: .elementwise,
                 shapeValue: ElementwiseRules.shapeArithmetic { CheckedArithmetic.sum($0, $1) }, infer: ElementwiseRules.broadcastSameType),
        OpSchema("Sub", inputs: 2...2, category: .elementwise,
                 shapeValue: ElementwiseRules.shapeArithmetic { let (d, o) = $0.subtractingReportingOverflow($1); return o ? nil : d }, infer: ElementwiseRules.broadcastSameType),
        OpSchema("Mul", inputs: 2...2, category: .elementwise,
                 shapeValue: ElementwiseRules.shapeArithmetic { CheckedArithmetic.product($0, $1) }, infer: ElementwiseRules.broadcastSameType),
        OpSchema("Div", inputs: 2...2, category: .elementwise,
                 shapeValue: ElementwiseRules.shapeArithmetic { let (q, o) = $0.dividedReportingOverflow(by: $1); return o ? nil : q },
                 infer: ElementwiseRules.broadcastSameType),
        OpSchema("Mod", opsets: from(10), inputs: 2...2, category: .elementwise, attributes: ModAttributes.self,
                 infer: ElementwiseRules.broadcastSameType),
        OpSchema("Pow", inputs: 2...2, category: .elementwise) { ctx in
            [ValueType(try ctx.type(0).dtype, try ElementwiseRules.broadcastShape(ctx, inputs: [0, 1]))]
        },
        OpSchema("PRelu", inputs: 2...2, category: .activation) { ctx in
            _ = try ElementwiseRules.commonDType(ctx, inputs: [0, 1])
            return [try ctx.type(0)]
        },
        OpSchema("Where", opsets: from(9), inputs: 3...3, category: .elementwise) { ctx in
            let condition = try ctx.type(0).dtype
            if condition != .bool { throw ctx.error("condition must be bool, found \(condition.rawValue)") }
            let dtype = try ElementwiseRules.commonDType(ctx, inputs: [1, 2])
            return [ValueType(dtype, try ElementwiseRules.broadcastShape(ctx, inputs: [0, 1, 2]))]
        },
    ]

    private static let unaryNames: [(String, Int)] = [
        ("Sqrt", 1), ("Exp", 1), ("Log", 1), ("Abs", 1), ("Neg", 1), ("Reciprocal", 1), ("Floor", 1), ("Ceil", 1),
        ("Round", 11), ("Sign", 9), ("Erf", 9), ("Sin", 7), ("Cos", 7), ("Not", 1),
    ]

    private static let unarySchemas: [OpSchema] = unaryNames.map { name, since in
        if name == "Not" {
            return OpSchema(name, opsets: from(since), inputs: 1...1, category: .elementwise, infer: ElementwiseRules.logical)
        }
        return OpSchema(name, opsets: from(since), inputs: 1...1, category: .elementwise, infer: ElementwiseRules.sameAsInput)
    }

    private static let activationNames: [(String, Int, any OpAttributes.Type)] = [
        ("Tanh", 1, NoAttributes.self), ("Relu", 1, NoAttributes.self), ("LeakyRelu", 1, AlphaAttributes.self),
        ("Elu", 1, AlphaAttributes.self), ("Selu", 1, SeluAttributes.self), ("Celu", 12, AlphaAttributes.self),
        ("Sigmoid", 1, NoAttributes.self), ("HardSigmoid", 1, HardSigmoidAttributes.self), ("HardSwish", 14, NoAttributes.self),
        ("Softplus", 1, NoAttributes.self), ("Softsign", 1, NoAttributes.self), ("Gelu", 20, GeluAttributes.self),
        ("Mish", 18, NoAttributes.self),
    ]

    private static let activationSchemas: [OpSchema] = activationNames.map { name, since, attributes in
        OpSchema(name, opsets: from(since), inputs: 1...1, category: .activation, attributes: attributes,
                 infer: ElementwiseRules.sameAsInput)
    } + [
        OpSchema("Clip", inputs: 1...3, category: .activation, attributes: ClipAttributes.self, infer: ElementwiseRules.sameAsInput),
    ]

    private static let comparisonSchemas: [OpSchema] = ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"].map {
        OpSchema($0, opsets: from($0.hasSuffix("OrEqual") ? 12 : 7), inputs: 2...2, category: .elementwise,
                 infer: ElementwiseRules.broadcastToBool)
    } + ["And", "Or", "Xor"].map {
        OpSchema($0, inputs: 2...2, category: .elementwise, infer: ElementwiseRules.logical)
    }

    private static let variadicSchemas: [OpSchema] = ["Min", "Max", "Mean", "Sum"].map {
        OpSchema($0, inputs: 1...Int.max, category: .merge, infer: ElementwiseRules.broadcastSameType)
    }

    private static let conversionSchemas: [OpSchema] = [
        OpSchema("Cast", inputs: 1...1, category: .elementwise, attributes: CastAttributes.self, shapeValue: { ctx in
            guard let target = (try? ctx.node.typed(CastAttributes.self))?.target, target.isInteger,
                  let type = ctx.inputTypes.first ?? nil, type.dtype.isInteger else { return nil }
            return ElementwiseRules.vectorValue(ctx, 0)
        }) { ctx in
            guard let target = try ctx.node.typed(CastAttributes.self).target else { throw ctx.node.missing("to") }
            return [ValueType(target, try ctx.type(0).shape)]
        },
        OpSchema("CastLike", opsets: from(15), inputs: 2...2, category: .elementwise, attributes: CastAttributes.self) { ctx in
            [ValueType(try ctx.type(1).dtype, try ctx.type(0).shape)]
        },
        OpSchema("BitCast", opsets: from(26), inputs: 1...1, category: .elementwise, attributes: BitCastAttributes.self) { ctx in
            let (x, target) = (try ctx.type(0), try ctx.node.typed(BitCastAttributes.self).target)
            guard x.dtype.bitWidth == target.bitWidth else {
                throw ctx.error("input is \(x.dtype.rawValue) (\(x.dtype.bitWidth) bits) and 'to' is \(target.rawValue) "
                                + "(\(target.bitWidth) bits); BitCast needs equal widths")
            }
            return [ValueType(target, x.shape)]
        },
        // Identity passes sequences and optionals through too (opset 14 and later).
        OpSchema("Identity", inputs: 1...1, category: .other,
                 shapeValue: { ctx in ElementwiseRules.vectorValue(ctx, 0) }, infer: { ctx in [try ctx.valueType(0)] }),
        OpSchema("Dropout", inputs: 1...3, outputs: 1...2, category: .other) { ctx in
            let x = try ctx.type(0)
            return [x, ValueType(ctx.node.opset >= 10 ? .bool : x.dtype, x.shape)]
        },
    ]
}

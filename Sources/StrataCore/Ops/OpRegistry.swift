/// Every op Strata implements, by op type. Each family of ops lists its schemas in its own file
/// (`OpRegistry+<Family>.swift`); this table joins them.
public enum OpRegistry {
    /// The newest `ai.onnx` opset Strata implements (the newest in the onnx release Strata tracks).
    public static let latestOpset = 28
    /// The oldest `ai.onnx` opset Strata accepts.
    public static let oldestOpset = 7

    public static let schemas: [String: OpSchema] = {
        var table: [String: OpSchema] = [:]
        let families: [[OpSchema]] = [
            elementwiseSchemas, reductionSchemas, linearSchemas, poolingSchemas,
            normalizationSchemas, shapeSchemas, recurrentSchemas, quantizationSchemas, mathSchemas, lossSchemas,
            detectionSchemas, signalSchemas, controlFlowSchemas, sequenceSchemas,
        ]
        for family in families {
            for schema in family {
                precondition(table[schema.key] == nil, "op \(schema.opType) is registered twice")
                table[schema.key] = schema
            }
        }
        return table
    }()

    public static func schema(_ opType: String, domain: String = "") -> OpSchema? {
        schemas[key(opType, domain: domain)]
    }

    static func key(_ opType: String, domain: String) -> String {
        domain.isEmpty || domain == "ai.onnx" ? opType : domain + "::" + opType
    }
}

extension OpSchema {
    var key: String { OpRegistry.key(opType, domain: domain) }
}

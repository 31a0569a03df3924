extension OpRegistry {
    static let normalizationSchemas: [OpSchema] = []
}

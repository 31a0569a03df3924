extension OpRegistry {
    static let reductionSchemas: [OpSchema] = []
}

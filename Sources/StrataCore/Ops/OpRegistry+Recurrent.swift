extension OpRegistry {
    static let recurrentSchemas: [OpSchema] = []
}

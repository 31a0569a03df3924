extension OpRegistry {
    static let poolingSchemas: [OpSchema] = []
}

extension OpRegistry {
    static let linearSchemas: [OpSchema] = []
}

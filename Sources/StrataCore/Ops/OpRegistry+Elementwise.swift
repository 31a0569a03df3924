extension OpRegistry {
    static let elementwiseSchemas: [OpSchema] = []
}

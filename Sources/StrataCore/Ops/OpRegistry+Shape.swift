extension OpRegistry {
    static let shapeSchemas: [OpSchema] = []
}

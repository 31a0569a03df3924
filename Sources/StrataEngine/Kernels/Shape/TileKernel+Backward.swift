import StrataCore

extension TileKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { .none }

    /// Each input element gets the sum of the gradients of all its copies.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        guard step.wants(0) else { return [nil, nil] }
        let shape = step.shape(0), g = step.gradient
        guard g.rank == shape.count else { throw node.error("output gradient \(g.shape) does not match the input's rank") }
        let maps = shape.indices.map { d in (0..<g.shape[d]).map { $0 % Swift.max(1, shape[d]) } }
        return [try GradientMath.scatter(g, maps: maps, into: shape), nil]
    }
}

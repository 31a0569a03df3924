import StrataCore

extension TransposeKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { .none }

    /// The gradient transposed back by the inverse permutation.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        guard step.wants(0) else { return [nil] }
        let g = step.gradient
        let perm = try attributes.permutation(rank: g.rank, node: node)
        var inverse = [Int](repeating: 0, count: perm.count)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        let strides = StridedCopy.contiguousStrides(g.shape)
        return [try StridedCopy.gather(g, shape: inverse.map { g.shape[$0] }, strides: inverse.map { strides[$0] }, context: context)]
    }
}

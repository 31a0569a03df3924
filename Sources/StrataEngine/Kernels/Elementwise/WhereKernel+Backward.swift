import StrataCore

extension WhereKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { .inputs(0) }

    /// The gradient goes to `x` where the condition holds and to `y` elsewhere, summed back over
    /// broadcast axes; the condition gets none.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        let condition = step.input(0), g = step.gradient
        let plan = try Broadcast([g.shape, condition.shape])
        var picked = [try GradientMath.zeros(g.shape), try GradientMath.zeros(g.shape)]
        let pc = condition.rawPointer.assumingMemoryBound(to: UInt8.self), pg = g.pointer(as: Float.self)
        let px = picked[0].pointer(as: Float.self), py = picked[1].pointer(as: Float.self)
        plan.forEachRun(in: 0..<plan.count) { o, starts, n, steps in
            for j in 0..<n {
                let c = pc[starts[1] + j * steps[1]] != 0
                if c { px[o + j] = pg[o + j] } else { py[o + j] = pg[o + j] }
            }
        }
        var result: [Tensor?] = [nil, nil, nil]
        if step.wants(1) { result[1] = try GradientMath.sum(picked[0], toShape: step.shape(1)) }
        if step.wants(2) { result[2] = try GradientMath.sum(picked[1], toShape: step.shape(2)) }
        picked.removeAll()
        return result
    }
}

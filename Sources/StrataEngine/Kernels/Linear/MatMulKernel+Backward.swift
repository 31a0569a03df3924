import StrataCore

extension MatMulKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues {
        var inputs = Set<Int>()
        if wanted[0] { inputs.insert(1) }
        if wanted.count > 1 && wanted[1] { inputs.insert(0) }
        return SavedValues(inputs: inputs)
    }

    /// `dA = g·Bᵀ` and `dB = Aᵀ·g` per batch entry, summed over the batch axes each operand was
    /// broadcast along; 1-D operands are promoted to matrices as the forward product does.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        let aShape = step.shape(0), bShape = step.shape(1)
        let a2 = aShape.count == 1 ? [1] + aShape : aShape
        let b2 = bShape.count == 1 ? bShape + [1] : bShape
        var gShape = step.gradient.shape
        if aShape.count == 1 { gShape.insert(1, at: Swift.max(0, gShape.count - (bShape.count == 1 ? 0 : 1))) }
        if bShape.count == 1 { gShape.append(1) }
        let g = step.gradient.reshaped(gShape)
        var result: [Tensor?] = [nil, nil]
        if step.wants(0) {
            let b = step.input(1)
            try GradientMath.requireFloat32([b], node)
            let full = try Self.multiply(Float.self, g, b.reshaped(b2), transB: true, node: node, context: context)
            result[0] = try GradientMath.sum(full, toShape: a2).reshaped(aShape)
        }
        if step.wants(1) {
            let a = step.input(0)
            try GradientMath.requireFloat32([a], node)
            let full = try Self.multiply(Float.self, a.reshaped(a2), g, transA: true, node: node, context: context)
            result[1] = try GradientMath.sum(full, toShape: b2).reshaped(bShape)
        }
        return result
    }
}

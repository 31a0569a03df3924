import StrataCore

extension SliceKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { SavedValues(inputs: [1, 2, 3, 4]) }

    /// The gradient written back into a zero tensor at the positions the slice read.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        var result = [Tensor?](repeating: nil, count: step.inputShapes.count)
        guard step.wants(0) else { return result }
        let shape = step.shape(0)
        let arguments: SliceSpec.Arguments
        if let attributeArguments {
            arguments = attributeArguments
        } else {
            let args = KernelInputs(step.inputs, node: node)
            guard let starts = try args.ints(1, "starts"), let ends = try args.ints(2, "ends") else {
                throw node.error("starts and ends are required")
            }
            arguments = SliceSpec.Arguments(starts: starts, ends: ends, axes: try args.ints(3, "axes"), steps: try args.ints(4, "steps"))
        }
        let spec = try SliceSpec(arguments, shape: shape, node: node)
        var maps = shape.map { Array(0..<$0) }
        for a in spec.axes { maps[a.axis] = (0..<a.count).map { a.start + $0 * a.step } }
        result[0] = try GradientMath.scatter(step.gradient, maps: maps, into: shape)
        return result
    }
}

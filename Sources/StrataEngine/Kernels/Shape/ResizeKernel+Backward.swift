import StrataCore

extension ResizeKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { SavedValues(inputs: [1, 2, 3]) }

    /// Nearest: each output element's gradient goes back to the element it copied. Linear and
    /// cubic: the forward axis passes transposed, in reverse order. Scales, sizes and roi get none.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        var result = [Tensor?](repeating: nil, count: step.inputShapes.count)
        guard step.wants(0) else { return result }
        let shape = step.shape(0)
        let (geometry, axes) = try plan(for: shape, step.inputs)
        if settings.mode == .nearest {
            var maps = shape.map { Array(0..<$0) }
            for a in axes {
                let taps = settings.taps(inputSize: shape[a], outputSize: geometry.outputShape[a], scale: geometry.scales[a],
                                         roi: (geometry.roi[a], geometry.roi[shape.count + a]))
                maps[a] = taps.map { $0.extrapolated ? -1 : $0.nearest }
            }
            result[0] = try GradientMath.scatter(step.gradient.reshaped(geometry.outputShape), maps: maps, into: shape)
            return result
        }
        // The shapes before each forward pass: the input's, with the axes already passed resized.
        var passes: [(ResizeAxisPass, inSize: Int)] = []
        for a in axes {
            let taps = settings.taps(inputSize: shape[a], outputSize: geometry.outputShape[a], scale: geometry.scales[a],
                                     roi: (geometry.roi[a], geometry.roi[shape.count + a]))
            passes.append((ResizeAxisPass(axis: a, taps: taps, fill: settings.extrapolationValue), shape[a]))
        }
        var g = step.gradient.reshaped(geometry.outputShape)
        for (pass, inSize) in passes.reversed() { g = try pass.transposed(g, inSize: inSize) }
        result[0] = g
        return result
    }
}

import StrataCore

extension GlobalPoolKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { isMax ? .inputs(0) : .none }

    /// GlobalAveragePool spreads each plane's gradient evenly; GlobalMaxPool gives it to the
    /// plane's first maximum (PyTorch's `adaptive_max_pool2d` to size 1).
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        guard step.wants(0) else { return [nil] }
        let shape = step.shape(0)
        let planes = shape.count >= 2 ? shape[0] * shape[1] : 0
        let size = shape.elementCount / Swift.max(planes, 1)
        let dx = try GradientMath.zeros(shape)
        let g = step.gradient
        guard g.count == planes else { throw node.error("output gradient \(g.shape) does not match the pool's output", kind: .invalidInput) }
        let (pg, pd) = (Pointers(g), Pointers(dx))
        if isMax {
            let x = step.input(0)
            try GradientMath.requireFloat32([x], node)
            let px = Pointers(x)
            context.parallelFor(planes) { range in
                for plane in range {
                    let src = px.p + plane * size
                    var at = 0
                    for i in 0..<size where src[i] > src[at] { at = i }
                    if size > 0 { pd.p[plane * size + at] = pg.p[plane] }
                }
            }
        } else {
            context.parallelFor(planes, minChunk: Swift.max(1, 16384 / Swift.max(size, 1))) { range in
                for plane in range {
                    let share = pg.p[plane] / Float(size)
                    let dst = pd.p + plane * size
                    for i in 0..<size { dst[i] = share }
                }
            }
        }
        return [dx]
    }
}

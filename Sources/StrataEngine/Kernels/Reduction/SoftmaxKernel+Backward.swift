import Foundation
import StrataCore

extension SoftmaxKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { .outputs(0) }

    /// Softmax: `dx = y·(g − Σ g·y)`; LogSoftmax: `dx = g − exp(y)·Σ g`, the sums along the
    /// normalised axis (or block of axes before opset 13), as the forward kernel splits them.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        guard step.wants(0) else { return [nil] }
        let y = step.output(0), g = step.gradient
        try GradientMath.requireFloat32([y], node)
        let a = try AxisRules.normalize(axis, rank: y.rank, node: node)
        let split = node.opset >= 13 ? AxisSplit(y.shape, axis: a) : AxisSplit(y.shape, axes: a..<y.rank)
        let dx = try Tensor(dtype: .float32, shape: y.shape)
        let (pg, py, pd) = (Pointers(g), Pointers(y), Pointers(dx))
        let (n, inner, log) = (split.axis, split.inner, logarithmic)
        context.parallelFor(split.outer * inner, minChunk: Swift.max(1, 4096 / Swift.max(1, n))) { range in
            for line in range {
                let (o, i) = line.quotientAndRemainder(dividingBy: inner)
                let base = o * n * inner + i
                var sum: Float = 0
                for r in 0..<n {
                    let k = base + r * inner
                    sum += log ? pg.p[k] : pg.p[k] * py.p[k]
                }
                for r in 0..<n {
                    let k = base + r * inner
                    pd.p[k] = log ? pg.p[k] - Foundation.exp(py.p[k]) * sum : py.p[k] * (pg.p[k] - sum)
                }
            }
        }
        return [dx]
    }
}

import Foundation
import StrataCore

extension ArithmeticKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues {
        switch operation {
        case .add, .subtract, .sum, .mean, .truncatedModulo, .flooredModulo: return .none
        case .multiply: return SavedValues(inputs: Set((wanted.count > 1 && wanted[1] ? [0] : []) + (wanted[0] ? [1] : [])))
        case .divide: return SavedValues(inputs: wanted.count > 1 && wanted[1] ? [0, 1] : [1])
        case .power: return SavedValues(inputs: [0, 1], outputs: wanted.count > 1 && wanted[1] ? [0] : [])
        case .minimum, .maximum: return SavedValues(inputs: Set(wanted.indices), outputs: [0])
        }
    }

    /// Broadcast results are summed back to each input's shape. `Min`/`Max` give the gradient to
    /// the inputs equal to the result, split evenly on ties (as PyTorch's `maximum`); `Pow`'s
    /// exponent gets `g·y·log(x)`.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        let g = step.gradient
        let n = step.inputShapes.count
        var result = [Tensor?](repeating: nil, count: n)
        func reduced(_ t: Tensor, _ i: Int) throws -> Tensor { try GradientMath.sum(t, toShape: step.shape(i)) }
        func float(_ i: Int) throws -> Tensor {
            let t = step.input(i)
            return t.dtype == .float32 ? t : try t.converted(to: .float32, context: context)
        }
        switch operation {
        case .add, .sum:
            for i in 0..<n where step.wants(i) { result[i] = try reduced(g, i) }
        case .mean:
            let scaled = try GradientMath.map(g, g, context: context) { [n] v, _ in v / Float(n) }
            for i in 0..<n where step.wants(i) { result[i] = try reduced(scaled, i) }
        case .subtract:
            if step.wants(0) { result[0] = try reduced(g, 0) }
            if step.wants(1) { result[1] = try reduced(GradientMath.map(g, g, context: context) { v, _ in -v }, 1) }
        case .multiply:
            if step.wants(0) { result[0] = try reduced(GradientMath.apply(.multiply, g, float(1), context: context), 0) }
            if step.wants(1) { result[1] = try reduced(GradientMath.apply(.multiply, g, float(0), context: context), 1) }
        case .divide:
            let b = try float(1)
            let q = try GradientMath.apply(.divide, g, b, context: context)
            if step.wants(0) { result[0] = try reduced(q, 0) }
            if step.wants(1) {
                // d(a/b)/db = -(g/b)·(a/b)
                let ratio = try GradientMath.apply(.divide, float(0), b, context: context)
                let ratioFull = ratio.shape == q.shape ? ratio : try GradientMath.apply(.add, ratio, GradientMath.zeros(q.shape), context: context)
                result[1] = try reduced(GradientMath.map(q, ratioFull, context: context) { u, r in -u * r }, 1)
            }
        case .power:
            let (a, b) = (try float(0), try float(1))
            let shape = g.shape
            let af = try full(a, shape, context), bf = try full(b, shape, context)
            if step.wants(0) {
                result[0] = try reduced(GradientMath.map(g, af, bf, context: context) { v, x, e in
                    e == 0 ? 0 : v * e * Foundation.pow(x, e - 1)
                }, 0)
            }
            if step.wants(1) {
                let y = step.output(0)
                result[1] = try reduced(GradientMath.map(g, af, y, context: context) { v, x, p in
                    x == 0 ? 0 : v * p * Foundation.log(x)
                }, 1)
            }
        case .minimum, .maximum:
            let y = step.output(0)
            let values = try (0..<n).map { try full(float($0), g.shape, context) }
            var ties = try GradientMath.zeros(g.shape)
            for v in values { ties = try GradientMath.map(ties, v, y, context: context) { c, x, r in x == r ? c + 1 : c } }
            for i in 0..<n where step.wants(i) {
                let share = try GradientMath.map(g, values[i], y, context: context) { v, x, r in x == r ? v : 0 }
                result[i] = try reduced(GradientMath.map(share, ties, context: context) { v, c in c > 0 ? v / c : 0 }, i)
            }
        case .truncatedModulo, .flooredModulo:
            throw step.node.error("'Mod' has no backward rule", kind: .unsupported)
        }
        return result
    }

    /// `t` broadcast to `shape` (float32).
    private func full(_ t: Tensor, _ shape: [Int], _ context: ExecutionContext) throws -> Tensor {
        t.shape == shape ? t : try GradientMath.apply(.add, t, GradientMath.zeros(shape), context: context)
    }
}

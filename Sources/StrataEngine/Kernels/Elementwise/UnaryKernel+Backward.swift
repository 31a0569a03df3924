import Foundation
import StrataCore

extension UnaryKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues {
        operation.derivativeReadsOutput ? .outputs(0) : .inputs(0)
    }

    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        guard step.wants(0) else { return [nil] }
        let saved = operation.derivativeReadsOutput ? step.output(0) : step.input(0)
        try GradientMath.requireFloat32([saved], step.node)
        guard let derivative = operation.derivative else {
            throw step.node.error("'\(opType)' has no backward rule", kind: .unsupported)
        }
        return [try GradientMath.map(step.gradient, saved, context: context, derivative)]
    }
}

extension UnaryOperation {
    /// Whether `derivative` takes the op's output (else its input).
    var derivativeReadsOutput: Bool {
        switch self {
        case .relu, .sigmoid, .tanh, .exp: return true
        default: return false
        }
    }

    /// `(g, v) -> g · f'(x)`, where `v` is the output `y` or the input `x` (`derivativeReadsOutput`),
    /// as PyTorch's autograd defines each op's derivative (also at kinks); nil for the piecewise
    /// constant ops, whose gradient is zero (they are exempt, `GradientExemption.Kind.zero`).
    var derivative: (@Sendable (Float, Float) -> Float)? {
        switch self {
        case .relu: return { g, y in y > 0 ? g : 0 }
        case .sigmoid: return { g, y in g * y * (1 - y) }
        case .tanh: return { g, y in g * (1 - y * y) }
        case .exp: return { g, y in g * y }
        case .sqrt: return { g, x in g * 0.5 / x.squareRoot() }
        case .log: return { g, x in g / x }
        case .abs: return { g, x in x > 0 ? g : (x < 0 ? -g : 0) }
        case .neg: return { g, _ in -g }
        case .reciprocal: return { g, x in -g / (x * x) }
        case .erf: return { g, x in g * 1.1283791670955126 * Foundation.exp(-x * x) }
        case .sin: return { g, x in g * Foundation.cos(x) }
        case .cos: return { g, x in -g * Foundation.sin(x) }
        case .softplus: return { g, x in g * UnaryOperation.sigmoid(x) }
        case .softsign: return { g, x in g / ((1 + Swift.abs(x)) * (1 + Swift.abs(x))) }
        case .mish:
            return { g, x in
                let t = Foundation.tanh(UnaryOperation.softplus(x))
                return g * (t + x * (1 - t * t) * UnaryOperation.sigmoid(x))
            }
        case .hardSwish: return { g, x in x < -3 ? 0 : (x <= 3 ? g * (x / 3 + 0.5) : g) }
        case .leakyRelu(let alpha): return { g, x in x > 0 ? g : g * alpha }
        case .elu(let alpha): return { g, x in x > 0 ? g : g * alpha * Foundation.exp(x) }
        case .selu(let alpha, let gamma): return { g, x in x > 0 ? g * gamma : g * gamma * alpha * Foundation.exp(x) }
        case .celu(let alpha): return { g, x in x > 0 ? g : g * Foundation.exp(x / alpha) }
        case .hardSigmoid(let alpha, let beta):
            return { g, x in
                let v = alpha * x + beta
                return v > 0 && v < 1 ? g * alpha : 0
            }
        case .gelu(let tanhApproximation):
            if tanhApproximation {
                return { g, x in
                    let c: Float = 0.7978845608028654, k: Float = 0.044715
                    let t = Foundation.tanh(c * (x + k * x * x * x))
                    return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * k * x * x))
                }
            }
            return { g, x in
                g * (0.5 * (1 + Foundation.erf(x * 0.7071067811865476)) + x * 0.3989422804014327 * Foundation.exp(-0.5 * x * x))
            }
        case .floor, .ceil, .round, .sign: return nil
        }
    }
}

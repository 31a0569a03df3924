import Foundation

/// The functions in float64 with their derivatives, for the backward rule of the recurrent ops.
extension RecurrentActivation {
    /// The function's value at `x`, the float64 counterpart of `apply`.
    func value(_ x: Double) -> Double {
        let (alpha, beta) = (Double(self.alpha), Double(self.beta))
        switch function {
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        case .tanh: return Foundation.tanh(x)
        case .relu: return Swift.max(0, x)
        case .hardSigmoid: return Swift.min(1, Swift.max(0, alpha * x + beta))
        case .affine: return alpha * x + beta
        case .leakyRelu: return x < 0 ? alpha * x : x
        case .thresholdedRelu: return x < alpha ? 0 : x
        case .scaledTanh: return alpha * Foundation.tanh(beta * x)
        case .elu: return x < 0 ? alpha * (Foundation.exp(x) - 1) : x
        case .softsign: return x / (1 + Swift.abs(x))
        case .softplus: return Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
        }
    }

    /// The derivative at `x`; at a kink, the side PyTorch's rule for the same function takes
    /// (ReLU 0 at 0, HardSigmoid 0 where it saturates, ends included).
    func derivative(_ x: Double) -> Double {
        let (alpha, beta) = (Double(self.alpha), Double(self.beta))
        switch function {
        case .sigmoid:
            let s = 1 / (1 + Foundation.exp(-x))
            return s * (1 - s)
        case .tanh:
            let t = Foundation.tanh(x)
            return 1 - t * t
        case .relu: return x > 0 ? 1 : 0
        case .hardSigmoid:
            let v = alpha * x + beta
            return v > 0 && v < 1 ? alpha : 0
        case .affine: return alpha
        case .leakyRelu: return x < 0 ? alpha : 1
        case .thresholdedRelu: return x < alpha ? 0 : 1
        case .scaledTanh:
            let t = Foundation.tanh(beta * x)
            return alpha * beta * (1 - t * t)
        case .elu: return x < 0 ? alpha * Foundation.exp(x) : 1
        case .softsign:
            let d = 1 + Swift.abs(x)
            return 1 / (d * d)
        case .softplus: return 1 / (1 + Foundation.exp(-x))
        }
    }
}

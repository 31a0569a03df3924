import CStrataKernels
import Foundation
import StrataCore

/// One activation function of a recurrent op (`activations` attribute), with its `alpha` and
/// `beta` (from `activation_alpha`/`activation_beta`, consumed in order by the functions that
/// take them, or the defaults of the ONNX op of the same name).
struct RecurrentActivation: Sendable, Equatable {
    enum Function: String, Sendable, CaseIterable {
        case sigmoid = "Sigmoid", tanh = "Tanh", relu = "Relu", hardSigmoid = "HardSigmoid"
        case affine = "Affine", leakyRelu = "LeakyRelu", thresholdedRelu = "ThresholdedRelu"
        case scaledTanh = "ScaledTanh", elu = "Elu", softsign = "Softsign", softplus = "Softplus"

        /// The defaults of (alpha, beta); nil for a parameter the function does not take.
        var defaults: (alpha: Float?, beta: Float?) {
            switch self {
            case .sigmoid, .tanh, .relu, .softsign, .softplus: return (nil, nil)
            case .hardSigmoid: return (0.2, 0.5)
            case .affine: return (1, 0)
            case .leakyRelu: return (0.01, nil)
            case .thresholdedRelu: return (1, nil)
            case .scaledTanh: return (1, 1)
            case .elu: return (1, nil)
            }
        }
    }

    var function: Function
    var alpha: Float
    var beta: Float

    init(_ function: Function, alpha: Float = 0, beta: Float = 0) {
        self.function = function
        self.alpha = alpha
        self.beta = beta
    }

    /// The node's activation functions: `defaults` repeated per direction when the attribute is
    /// absent; the attribute's list (per direction, or once for all directions) otherwise.
    static func parse(_ attributes: RecurrentAttributes, node: Node, defaults: [Function]) throws -> [[RecurrentActivation]] {
        let directions = attributes.directions
        guard let names = attributes.activations else {
            return Array(repeating: defaults.map { RecurrentActivation($0, alpha: $0.defaults.alpha ?? 0, beta: $0.defaults.beta ?? 0) },
                         count: directions)
        }
        let perDirection = defaults.count
        guard names.count == perDirection * directions || names.count == perDirection else {
            throw node.attributeError("activations", "expected \(perDirection * directions) functions, got \(names.count)")
        }
        var alphas = attributes.activationAlpha ?? []
        var betas = attributes.activationBeta ?? []
        var all: [RecurrentActivation] = []
        for name in names {
            guard let f = Function.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
                throw node.attributeError("activations", "unsupported activation function '\(name)'", kind: .unsupported)
            }
            var a = RecurrentActivation(f)
            if let d = f.defaults.alpha { a.alpha = alphas.isEmpty ? d : alphas.removeFirst() }
            if let d = f.defaults.beta { a.beta = betas.isEmpty ? d : betas.removeFirst() }
            all.append(a)
        }
        return (0..<directions).map { d in
            let start = names.count == perDirection ? 0 : d * perDirection
            return Array(all[start..<(start + perDirection)])
        }
    }

    /// Applies the function in place to `count` values.
    func apply(_ p: UnsafeMutablePointer<Float>, count: Int) {
        let (alpha, beta) = (self.alpha, self.beta)
        switch function {
        case .sigmoid: strata_unary(Int32(STRATA_UNARY_SIGMOID.rawValue), p, p, count)
        case .tanh: strata_unary(Int32(STRATA_UNARY_TANH.rawValue), p, p, count)
        case .relu: for i in 0..<count { p[i] = Swift.max(0, p[i]) }
        case .hardSigmoid: for i in 0..<count { p[i] = Swift.min(1, Swift.max(0, alpha * p[i] + beta)) }
        case .affine: for i in 0..<count { p[i] = alpha * p[i] + beta }
        case .leakyRelu: for i in 0..<count where p[i] < 0 { p[i] *= alpha }
        case .thresholdedRelu: for i in 0..<count where p[i] < alpha { p[i] = 0 }
        case .scaledTanh: for i in 0..<count { p[i] = alpha * Foundation.tanh(beta * p[i]) }
        case .elu: for i in 0..<count where p[i] < 0 { p[i] = alpha * (Foundation.exp(p[i]) - 1) }
        case .softsign: for i in 0..<count { p[i] = p[i] / (1 + Swift.abs(p[i])) }
        case .softplus:
            // log(1 + e^x) written so that large x does not overflow.
            for i in 0..<count {
                let v = p[i]
                p[i] = Swift.max(v, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(v)))
            }
        }
    }
}

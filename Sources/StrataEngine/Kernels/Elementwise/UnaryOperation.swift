import CStrataKernels
import StrataCore

/// A one-input elementwise op with its attributes parsed.
enum UnaryOperation: Sendable {
    case sqrt, exp, log, abs, neg, reciprocal, floor, ceil, round, sign, erf, sin, cos, tanh
    case relu, sigmoid, softplus, softsign, mish, hardSwish
    case leakyRelu(alpha: Float)
    case elu(alpha: Float)
    case selu(alpha: Float, gamma: Float)
    case celu(alpha: Float)
    case hardSigmoid(alpha: Float, beta: Float)
    case gelu(tanhApproximation: Bool)

    /// The operation for `node`, reading its attributes (with the ONNX defaults).
    init?(_ node: Node) throws {
        switch node.opType {
        case "Sqrt": self = .sqrt
        case "Exp": self = .exp
        case "Log": self = .log
        case "Abs": self = .abs
        case "Neg": self = .neg
        case "Reciprocal": self = .reciprocal
        case "Floor": self = .floor
        case "Ceil": self = .ceil
        case "Round": self = .round
        case "Sign": self = .sign
        case "Erf": self = .erf
        case "Sin": self = .sin
        case "Cos": self = .cos
        case "Tanh": self = .tanh
        case "Relu": self = .relu
        case "Sigmoid": self = .sigmoid
        case "Softplus": self = .softplus
        case "Softsign": self = .softsign
        case "Mish": self = .mish
        case "HardSwish": self = .hardSwish
        case "LeakyRelu": self = .leakyRelu(alpha: try node.typed(AlphaAttributes.self).alpha)
        case "Elu": self = .elu(alpha: try node.typed(AlphaAttributes.self).alpha)
        case "Selu":
            let attributes = try node.typed(SeluAttributes.self)
            self = .selu(alpha: attributes.alpha, gamma: attributes.gamma)
        case "Celu": self = .celu(alpha: try node.typed(AlphaAttributes.self).alpha)
        case "HardSigmoid":
            let attributes = try node.typed(HardSigmoidAttributes.self)
            self = .hardSigmoid(alpha: attributes.alpha, beta: attributes.beta)
        case "Gelu": self = .gelu(tanhApproximation: try node.typed(GeluAttributes.self).tanhApproximation)
        default: return nil
        }
    }

    /// Whether the op is defined on integer tensors.
    var supportsIntegers: Bool {
        switch self {
        case .abs, .neg, .sign, .relu: return true
        default: return false
        }
    }

    typealias Loop<T> = @Sendable (UnsafePointer<T>, UnsafeMutablePointer<T>, Int) -> Void

    /// The loop computing this op on floating-point elements.
    func floatLoop<T: ElementwiseFloat>(_ type: T.Type) -> Loop<T> {
        switch self {
        case .sqrt: return { x, y, n in for i in 0..<n { y[i] = x[i].squareRoot() } }
        case .exp: return { x, y, n in for i in 0..<n { y[i] = T.exp(x[i]) } }
        case .log: return { x, y, n in for i in 0..<n { y[i] = T.log(x[i]) } }
        case .abs: return { x, y, n in for i in 0..<n { y[i] = Swift.abs(x[i]) } }
        case .neg: return { x, y, n in for i in 0..<n { y[i] = -x[i] } }
        case .reciprocal: return { x, y, n in for i in 0..<n { y[i] = 1 / x[i] } }
        case .floor: return { x, y, n in for i in 0..<n { y[i] = x[i].rounded(.down) } }
        case .ceil: return { x, y, n in for i in 0..<n { y[i] = x[i].rounded(.up) } }
        case .round: return { x, y, n in for i in 0..<n { y[i] = x[i].rounded(.toNearestOrEven) } }
        case .sign: return { x, y, n in for i in 0..<n { y[i] = x[i] > 0 ? 1 : (x[i] < 0 ? -1 : x[i]) } }
        case .erf: return { x, y, n in for i in 0..<n { y[i] = T.erf(x[i]) } }
        case .sin: return { x, y, n in for i in 0..<n { y[i] = T.sin(x[i]) } }
        case .cos: return { x, y, n in for i in 0..<n { y[i] = T.cos(x[i]) } }
        case .tanh: return { x, y, n in for i in 0..<n { y[i] = T.tanh(x[i]) } }
        case .relu: return { x, y, n in for i in 0..<n { y[i] = x[i] < 0 ? 0 : x[i] } }
        case .sigmoid: return { x, y, n in for i in 0..<n { y[i] = UnaryOperation.sigmoid(x[i]) } }
        case .softplus: return { x, y, n in for i in 0..<n { y[i] = UnaryOperation.softplus(x[i]) } }
        case .softsign: return { x, y, n in for i in 0..<n { y[i] = x[i] / (1 + Swift.abs(x[i])) } }
        case .mish: return { x, y, n in for i in 0..<n { y[i] = x[i] * T.tanh(UnaryOperation.softplus(x[i])) } }
        case .hardSwish:
            return { x, y, n in
                for i in 0..<n { y[i] = x[i] * Swift.max(0, Swift.min(1, x[i] / 6 + T(0.5))) }
            }
        case .leakyRelu(let alpha):
            let a = T(alpha)
            return { x, y, n in for i in 0..<n { y[i] = x[i] < 0 ? a * x[i] : x[i] } }
        case .elu(let alpha):
            let a = T(alpha)
            return { x, y, n in for i in 0..<n { y[i] = x[i] < 0 ? a * T.expm1(x[i]) : x[i] } }
        case .selu(let alpha, let gamma):
            let a = T(alpha), g = T(gamma)
            return { x, y, n in for i in 0..<n { y[i] = x[i] <= 0 ? g * (a * T.exp(x[i]) - a) : g * x[i] } }
        case .celu(let alpha):
            let a = T(alpha)
            return { x, y, n in
                for i in 0..<n { y[i] = Swift.max(0, x[i]) + Swift.min(0, a * T.expm1(x[i] / a)) }
            }
        case .hardSigmoid(let alpha, let beta):
            let a = T(alpha), b = T(beta)
            return { x, y, n in for i in 0..<n { y[i] = Swift.max(0, Swift.min(1, a * x[i] + b)) } }
        case .gelu(let tanhApproximation):
            if tanhApproximation {
                let c = T(0.7978845608028654), k = T(0.044715)
                return { x, y, n in
                    for i in 0..<n {
                        let v = x[i]
                        y[i] = T(0.5) * v * (1 + T.tanh(c * (v + k * v * v * v)))
                    }
                }
            }
            let r = T(0.7071067811865476)
            return { x, y, n in for i in 0..<n { y[i] = T(0.5) * x[i] * (1 + T.erf(x[i] * r)) } }
        }
    }

    /// The float32 loop of the C kernels (`strata_unary`, vectorised in every kernel tier) for the
    /// ops where libm's scalar functions would dominate the cost; nil for the others, which
    /// `floatLoop` handles (their loops vectorise as written).
    var vectorLoop: Loop<Float>? {
        let op: strata_unary_op
        switch self {
        case .exp: op = STRATA_UNARY_EXP
        case .sigmoid: op = STRATA_UNARY_SIGMOID
        case .tanh: op = STRATA_UNARY_TANH
        case .softplus: op = STRATA_UNARY_SOFTPLUS
        case .mish: op = STRATA_UNARY_MISH
        case .erf: op = STRATA_UNARY_ERF
        case .gelu(let tanhApproximation): op = tanhApproximation ? STRATA_UNARY_GELU_TANH : STRATA_UNARY_GELU
        default: return nil
        }
        let code = Int32(op.rawValue)
        return { x, y, n in strata_unary(code, x, y, n) }
    }

    /// The loop computing this op on integer elements; nil when the op has no integer form.
    func integerLoop<T: FixedWidthInteger & Sendable>(_ type: T.Type) -> Loop<T>? {
        switch self {
        case .abs: return { x, y, n in for i in 0..<n { y[i] = x[i] < 0 ? 0 &- x[i] : x[i] } }
        case .neg: return { x, y, n in for i in 0..<n { y[i] = 0 &- x[i] } }
        case .sign: return { x, y, n in for i in 0..<n { y[i] = x[i] > 0 ? 1 : (x[i] == 0 ? 0 : 0 &- 1) } }
        case .relu: return { x, y, n in for i in 0..<n { y[i] = x[i] < 0 ? 0 : x[i] } }
        default: return nil
        }
    }

    @inline(__always)
    static func sigmoid<T: ElementwiseFloat>(_ x: T) -> T {
        if x >= 0 { return 1 / (1 + T.exp(-x)) }
        let e = T.exp(x)
        return e / (1 + e)
    }

    /// `log(1 + exp(x))` without overflow for large `x`.
    @inline(__always)
    static func softplus<T: ElementwiseFloat>(_ x: T) -> T {
        Swift.max(x, 0) + T.log1p(T.exp(-Swift.abs(x)))
    }
}

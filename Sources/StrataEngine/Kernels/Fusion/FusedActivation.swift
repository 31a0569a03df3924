import StrataCore
import CStrataKernels

/// An activation the engine can apply while another kernel stores its output, instead of running
/// the activation's own node as a separate pass over memory.
///
/// Every case computes exactly what the activation's own kernel computes (the C epilogue uses the
/// same formulas and the same `exp` as `strata_unary`), so fusing changes no value.
enum FusedActivation: Equatable, Sendable {
    case relu
    case clip(low: Float, high: Float)
    case leakyRelu(alpha: Float)
    case sigmoid
    /// `x · sigmoid(x)`: a `Sigmoid` node and the `Mul` of its input by its output.
    case silu
    case hardSigmoid(alpha: Float, beta: Float)
    case hardSwish
    /// `factor · (x · (erf(x / divisor) + 1))`: the erf GELU of PyTorch's exports, a
    /// `Div → Erf → Add → Mul → Mul` chain of five passes over memory, in one (see `FusionPlan`).
    /// Only ever applied on its own (`apply(to:)`), not by a convolution or GEMM as it stores.
    case geluErf(divisor: Float, factor: Float)

    /// The activation `node` applies to its first input alone; nil when it is not one of these ops
    /// or its parameters are not known before running (a `Clip` bound computed at run time).
    /// `constant` gives the values known before running.
    init?(node: Node, constant: (String) -> Tensor?) {
        switch node.opType {
        case "Relu":
            self = .relu
        case "Sigmoid":
            self = .sigmoid
        case "HardSwish":
            self = .hardSwish
        case "LeakyRelu":
            guard let attributes = try? node.typed(AlphaAttributes.self) else { return nil }
            self = .leakyRelu(alpha: attributes.alpha)
        case "HardSigmoid":
            guard let attributes = try? node.typed(HardSigmoidAttributes.self) else { return nil }
            self = .hardSigmoid(alpha: attributes.alpha, beta: attributes.beta)
        case "Clip":
            guard let (low, high) = Self.clipBounds(node, constant: constant) else { return nil }
            self = .clip(low: low, high: high)
        default:
            return nil
        }
    }

    /// `Clip`'s bounds as `ClipKernel` reads them: attributes before opset 11 (defaults ∓FLT_MAX),
    /// optional scalar float32 inputs from opset 11 (a missing bound does not clip).
    private static func clipBounds(_ node: Node, constant: (String) -> Tensor?) -> (Float, Float)? {
        guard let attributes = try? node.typed(ClipAttributes.self) else { return nil }
        if let bounds = attributes.bounds { return bounds }
        func bound(_ i: Int, _ missing: Float) -> Float? {
            guard let name = node.input(i) else { return missing }
            guard let t = constant(name), t.dtype == .float32, t.count == 1 else { return nil }
            return t.pointer(as: Float.self)[0]
        }
        guard let low = bound(1, -.infinity), let high = bound(2, .infinity) else { return nil }
        return (low, high)
    }

    /// The C description of this activation with a per-row `bias`.
    func epilogue(bias: UnsafePointer<Float>?) -> strata_epilogue {
        let (kind, alpha, beta): (strata_activation, Float, Float) = switch self {
        case .relu: (STRATA_ACT_RELU, 0, 0)
        case .clip(let low, let high): (STRATA_ACT_CLIP, low, high)
        case .leakyRelu(let alpha): (STRATA_ACT_LEAKY_RELU, alpha, 0)
        case .sigmoid: (STRATA_ACT_SIGMOID, 0, 0)
        case .silu: (STRATA_ACT_SILU, 0, 0)
        case .hardSigmoid(let alpha, let beta): (STRATA_ACT_HARD_SIGMOID, alpha, beta)
        case .hardSwish: (STRATA_ACT_HARD_SWISH, 0, 0)
        case .geluErf(let divisor, let factor): (STRATA_ACT_GELU_ERF, divisor, factor)
        }
        return strata_epilogue(bias: bias, activation: Int32(kind.rawValue), alpha: alpha, beta: beta, column_bias: nil)
    }

    /// A bias-only epilogue (no activation), or none without a bias.
    static func biasOnly(_ bias: UnsafePointer<Float>?) -> strata_epilogue? {
        bias.map { strata_epilogue(bias: $0, activation: Int32(STRATA_ACT_NONE.rawValue), alpha: 0, beta: 0, column_bias: nil) }
    }

    /// This activation of a float32 tensor, as a new tensor; nil for other dtypes.
    func apply(to x: Tensor, context: ExecutionContext) throws -> Tensor? {
        guard x.dtype == .float32 else { return nil }
        let y = try Tensor(dtype: .float32, shape: x.shape)
        let count = x.count
        let job = ActivationJob(x: UnsafePointer(x.pointer(as: Float.self)), y: y.pointer(as: Float.self), epilogue: epilogue(bias: nil))
        context.parallelFor(count, minChunk: 1 << 14) { range in
            var ep = job.epilogue
            strata_epilogue_apply(job.x + range.lowerBound, job.y + range.lowerBound, range.count, nil, &ep)
        }
        return y
    }
}

/// Pointers handed to the parallel loop of `FusedActivation.apply`, each chunk writing its own range.
private struct ActivationJob: @unchecked Sendable {
    let x: UnsafePointer<Float>
    let y: UnsafeMutablePointer<Float>
    let epilogue: strata_epilogue
}

import Foundation
import StrataCore

/// The one-input float functions without a fused or vectorised path: the trigonometric and
/// hyperbolic functions (Acos, Asin, Atan, Tan, Acosh, Asinh, Atanh, Cosh, Sinh), Shrink
/// (`bias`, `lambd`), ThresholdedRelu (`alpha`), Swish (`alpha`: `x·sigmoid(alpha·x)`), the tests
/// IsNaN and IsInf (`detect_negative`, `detect_positive`; bool outputs), and the two-input SwiGLU
/// (`A·sigmoid(alpha·A)·B`, equal shapes). Each element is computed in float64 and rounded once to
/// the input's dtype; Shrink also takes integer tensors.
struct FloatFunctionKernel: Kernel {
    enum Function: Sendable {
        case acos, asin, atan, tan, acosh, asinh, atanh, cosh, sinh
        case shrink(bias: Double, lambd: Double)
        case thresholdedRelu(alpha: Double)
        case swish(alpha: Double)
        case swiGLU(alpha: Double)
        case isNaN
        case isInf(negative: Bool, positive: Bool)
    }

    let node: Node
    let function: Function

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        switch node.opType {
        case "Acos": function = .acos
        case "Asin": function = .asin
        case "Atan": function = .atan
        case "Tan": function = .tan
        case "Acosh": function = .acosh
        case "Asinh": function = .asinh
        case "Atanh": function = .atanh
        case "Cosh": function = .cosh
        case "Sinh": function = .sinh
        case "Shrink":
            let attributes = try node.typed(ShrinkAttributes.self)
            function = .shrink(bias: Double(attributes.bias), lambd: Double(attributes.lambd))
        case "ThresholdedRelu": function = .thresholdedRelu(alpha: Double(try node.typed(AlphaAttributes.self).alpha))
        case "Swish": function = .swish(alpha: Double(try node.typed(AlphaAttributes.self).alpha))
        case "SwiGLU": function = .swiGLU(alpha: Double(try node.typed(AlphaAttributes.self).alpha))
        case "IsNaN": function = .isNaN
        case "IsInf":
            let attributes = try node.typed(IsInfAttributes.self)
            function = .isInf(negative: attributes.detectNegative, positive: attributes.detectPositive)
        default: throw node.error("not a float function", kind: .unsupported)
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        let integerInput: Bool
        if case .shrink = function { integerInput = x.dtype.isInteger } else { integerInput = false }
        guard x.dtype.isFloatingPoint || integerInput else {
            throw node.error("input has dtype \(x.dtype.rawValue); \(node.opType) takes float tensors", kind: .invalidInput)
        }
        switch function {
        case .isNaN, .isInf:
            let y = try Tensor(dtype: .bool, shape: x.shape)
            let out = y.pointer(as: UInt8.self)
            for i in 0..<x.count { out[i] = test(x.doubleValue(at: i)) ? 1 : 0 }
            return [y]
        case .swiGLU(let alpha):
            let b = try args.tensor(1)
            guard b.shape == x.shape, b.dtype == x.dtype else {
                throw node.error("A \(x.type) and B \(b.type) must have the same type and shape", kind: .invalidInput)
            }
            let wide = try Tensor(dtype: .float64, shape: x.shape)
            let out = wide.pointer(as: Double.self)
            for i in 0..<x.count {
                let a = x.doubleValue(at: i)
                out[i] = a * (1 / (1 + Foundation.exp(-alpha * a))) * b.doubleValue(at: i)
            }
            return [try wide.converted(to: x.dtype, context: context)]
        default:
            let wide = try Tensor(dtype: .float64, shape: x.shape)
            let out = wide.pointer(as: Double.self)
            for i in 0..<x.count { out[i] = apply(x.doubleValue(at: i)) }
            return [x.dtype == .float64 ? wide : try wide.converted(to: x.dtype, context: context)]
        }
    }

    private func apply(_ v: Double) -> Double {
        switch function {
        case .acos: return Foundation.acos(v)
        case .asin: return Foundation.asin(v)
        case .atan: return Foundation.atan(v)
        case .tan: return Foundation.tan(v)
        case .acosh: return Foundation.acosh(v)
        case .asinh: return Foundation.asinh(v)
        case .atanh: return Foundation.atanh(v)
        case .cosh: return Foundation.cosh(v)
        case .sinh: return Foundation.sinh(v)
        case .shrink(let bias, let lambd): return v < -lambd ? v + bias : v > lambd ? v - bias : 0
        case .thresholdedRelu(let alpha): return v > alpha ? v : 0
        case .swish(let alpha): return v / (1 + Foundation.exp(-alpha * v))
        case .swiGLU, .isNaN, .isInf: return v
        }
    }

    private func test(_ v: Double) -> Bool {
        switch function {
        case .isNaN: return v.isNaN
        case .isInf(let negative, let positive): return v.isInfinite && (v < 0 ? negative : positive)
        default: return false
        }
    }
}

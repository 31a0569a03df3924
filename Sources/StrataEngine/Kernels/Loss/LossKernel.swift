import Foundation
import StrataCore

/// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss. Input x is [N, C, d1, …] (float types),
/// target [N, d1, …] (int32 or int64 class indices), optional weight [C]. Each position's loss is
/// `-weight[t] · p[n, t, d]` with `p` = x (NLL) or log_softmax(x) over axis 1 (SCE), and 0 where
/// `t == ignore_index`. `reduction`: "none" (the per-position losses), "sum", or "mean" (the sum
/// over the summed weights of the positions not ignored). Computed in float64, returned in x's dtype;
/// SCE's optional second output is the log-probabilities.
struct LossKernel: Kernel {
    typealias Reduction = LossAttributes.Reduction

    let node: Node
    let softmax: Bool
    let reduction: Reduction
    let ignoreIndex: Int?

    init(_ ctx: KernelBuildContext, softmax: Bool) throws {
        node = ctx.node
        self.softmax = softmax
        let attributes = try node.typed(LossAttributes.self)
        (reduction, ignoreIndex) = (attributes.reduction, attributes.ignoreIndex)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let (x, target) = (try args.tensor(0), try args.tensor(1))
        guard x.dtype.isFloatingPoint else {
            throw node.error("input has dtype \(x.dtype.rawValue); expected a float type", kind: .invalidInput)
        }
        guard target.dtype == .int64 || target.dtype == .int32 else {
            throw node.error("target has dtype \(target.dtype.rawValue); expected int32 or int64", kind: .invalidInput)
        }
        guard x.rank >= 2, target.shape == [x.shape[0]] + Array(x.shape.dropFirst(2)) else {
            throw node.error("input \(x.shape) and target \(target.shape) must be [N, C, d…] and [N, d…]", kind: .invalidInput)
        }
        let (batch, classes) = (x.shape[0], x.shape[1])
        let positions = Array(x.shape.dropFirst(2)).elementCount
        var weights = [Double](repeating: 1, count: classes)
        if let w = args.optional(2) {
            guard w.shape == [classes] else {
                throw node.error("weight \(w.shape) must have one value per class (\(classes))", kind: .invalidInput)
            }
            weights = (0..<classes).map { w.doubleValue(at: $0) }
        }
        let input = try Tensor(dtype: .float64, shape: x.shape)
        let p = input.pointer(as: Double.self)
        for i in 0..<x.count { p[i] = x.doubleValue(at: i) }
        if softmax {
            for n in 0..<batch {
                for d in 0..<positions {
                    let at = { (c: Int) in (n * classes + c) * positions + d }
                    var high = -Double.infinity
                    for c in 0..<classes { high = Swift.max(high, p[at(c)]) }
                    var sum = 0.0
                    for c in 0..<classes { sum += Foundation.exp(p[at(c)] - high) }
                    let shift = high + Foundation.log(sum)
                    for c in 0..<classes { p[at(c)] -= shift }
                }
            }
        }
        let losses = try Tensor(dtype: .float64, shape: target.shape)
        let out = losses.pointer(as: Double.self)
        var total = 0.0, weightSum = 0.0
        for n in 0..<batch {
            for d in 0..<positions {
                let i = n * positions + d
                let t = target.intValue(at: i)
                if t == ignoreIndex {
                    out[i] = 0
                    continue
                }
                guard (0..<classes).contains(t) else {
                    throw node.error("target \(t) at position \(i) is not a class index (0..<\(classes))", kind: .invalidInput)
                }
                out[i] = -weights[t] * p[(n * classes + t) * positions + d]
                total += out[i]
                weightSum += weights[t]
            }
        }
        let loss: Tensor
        switch reduction {
        case .none: loss = losses
        case .sum: loss = try Self.scalar(total)
        case .mean: loss = try Self.scalar(total / weightSum)
        }
        var results = [x.dtype == .float64 ? loss : try loss.converted(to: x.dtype, context: context)]
        if softmax, node.outputs.count > 1, !node.outputs[1].isEmpty {
            results.append(x.dtype == .float64 ? input : try input.converted(to: x.dtype, context: context))
        }
        return results
    }

    private static func scalar(_ value: Double) throws -> Tensor {
        let t = try Tensor(dtype: .float64, shape: [])
        t.pointer(as: Double.self)[0] = value
        return t
    }
}

import Foundation
import StrataCore

/// The gradient-based class activation maps (and Eigen-CAM), computed from one image's activations
/// and gradients of one layer: pure functions, no engine.
///
/// Each result is the map at the layer's resolution after the ReLU, before any normalisation or
/// resizing: what pytorch-grad-cam's `get_cam_image` gives followed by `np.maximum(cam, 0)`, and
/// what tf-keras-vis returns with `expand_cam=False, normalize_cam=False`. Sums over positions and
/// channels are accumulated in double and rounded to float32 once.
public enum GradientCAM {
    /// The map of `method` (any but `.scorecam`, which needs forward runs: `ScoreCAM`).
    /// `gradients` must have the activations' shape (unused, and may be nil, for `.eigencam`);
    /// `score` is the target's score, used only by tf-keras-vis' Grad-CAM++. Throws `invalidInput`
    /// for mismatched shapes or a missing gradient.
    public static func map(
        _ method: CAMMethod, activations: ChannelPlanes, gradients: ChannelPlanes?,
        convention: CAMConvention = .pytorchGradCAM, score: Float = 0
    ) throws -> ActivationMap {
        if method == .eigencam { return try EigenProjection.map(activations) }
        guard method != .scorecam else {
            throw StrataError(.invalidInput, "scorecam needs forward runs of masked inputs (ScoreCAM), not gradients")
        }
        guard let gradients else { throw StrataError(.invalidInput, "\(method.rawValue) needs the gradients of the layer") }
        guard gradients.channels == activations.channels, gradients.height == activations.height, gradients.width == activations.width else {
            throw StrataError(.invalidInput, "gradients \(gradients.channels)×\(gradients.height)×\(gradients.width) do not match activations \(activations.channels)×\(activations.height)×\(activations.width)")
        }
        switch method {
        case .gradcam, .xgradcam, .gradcamPlusPlus:
            return weightedSum(activations, weights: channelWeights(method, activations, gradients, convention, score))
        case .hirescam:
            return elementwiseSum(activations, gradients) { $0 }
        case .layercam:
            return elementwiseSum(activations, gradients) { max($0, 0) }
        case .scorecam, .eigencam:
            fatalError("handled above")
        }
    }

    /// One weight per channel, for the methods that weight whole channels (Grad-CAM, Grad-CAM++, XGradCAM).
    static func channelWeights(
        _ method: CAMMethod, _ a: ChannelPlanes, _ g: ChannelPlanes, _ convention: CAMConvention, _ score: Float
    ) -> [Float] {
        let n = a.planeSize
        return (0 ..< a.channels).map { c in
            let base = c * n
            switch method {
            case .gradcam:
                var sum = 0.0
                for p in 0 ..< n { sum += Double(g.values[base + p]) }
                return Float(sum / Double(n))
            case .xgradcam:
                var sumA = 0.0, sumGA = 0.0
                for p in 0 ..< n {
                    sumA += Double(a.values[base + p])
                    sumGA += Double(g.values[base + p]) * Double(a.values[base + p])
                }
                // pytorch-grad-cam divides each product by the float32 sum plus 1e-7 before summing.
                return Float(sumGA / Double(Float(sumA) + 1e-7))
            case .gradcamPlusPlus:
                return convention == .tfKerasVis
                    ? plusPlusWeightTFKerasVis(a, g, channel: c, score: score)
                    : plusPlusWeightPytorch(a, g, channel: c)
            default:
                fatalError("\(method.rawValue) has no channel weights")
            }
        }
    }

    /// pytorch-grad-cam's `GradCAMPlusPlus.get_cam_weights`, in float32 as numpy computes it.
    private static func plusPlusWeightPytorch(_ a: ChannelPlanes, _ g: ChannelPlanes, channel c: Int) -> Float {
        let n = a.planeSize, base = c * n
        var sumA = 0.0
        for p in 0 ..< n { sumA += Double(a.values[base + p]) }
        let sumActivations = Float(sumA)
        var weight = 0.0
        for p in 0 ..< n {
            let grad = g.values[base + p]
            guard grad != 0 else { continue }
            let g2 = grad * grad
            let g3 = g2 * grad
            let aij = g2 / (2 * g2 + sumActivations * g3 + 0.000001)
            weight += Double(max(grad, 0) * aij)
        }
        return Float(weight)
    }

    /// tf-keras-vis' `GradcamPlusPlus.__call__` channel weight, float32 as TensorFlow computes it.
    private static func plusPlusWeightTFKerasVis(_ a: ChannelPlanes, _ g: ChannelPlanes, channel c: Int, score: Float) -> Float {
        let n = a.planeSize, base = c * n
        let scale = expf(score)
        var sumA = 0.0
        for p in 0 ..< n { sumA += Double(a.values[base + p]) }
        let globalSum = Float(sumA)
        var alphas = [Float](repeating: 0, count: n)
        var alphaSum = 0.0
        for p in 0 ..< n {
            let grad = g.values[base + p]
            let first = scale * grad
            let second = first * grad
            let third = second * grad
            let denominator = second * 2 + third * globalSum + (second == 0 ? 1 : 0)
            alphas[p] = second / denominator
            alphaSum += Double(alphas[p])
        }
        var normaliser = Float(alphaSum)
        if normaliser == 0 { normaliser = 1 }
        var weight = 0.0
        for p in 0 ..< n {
            let first = scale * g.values[base + p]
            weight += Double(max(first, 0) * (alphas[p] / normaliser))
        }
        return Float(weight)
    }

    /// `relu(Σ_k w_k · A_k)`.
    static func weightedSum(_ a: ChannelPlanes, weights: [Float]) -> ActivationMap {
        let n = a.planeSize
        var sums = [Double](repeating: 0, count: n)
        for c in 0 ..< a.channels {
            let w = weights[c], base = c * n
            for p in 0 ..< n { sums[p] += Double(w * a.values[base + p]) }
        }
        return ActivationMap(height: a.height, width: a.width, values: sums.map { max(Float($0), 0) })
    }

    /// `relu(Σ_k f(G_k) ⊙ A_k)`.
    private static func elementwiseSum(_ a: ChannelPlanes, _ g: ChannelPlanes, _ f: (Float) -> Float) -> ActivationMap {
        let n = a.planeSize
        var sums = [Double](repeating: 0, count: n)
        for c in 0 ..< a.channels {
            let base = c * n
            for p in 0 ..< n { sums[p] += Double(f(g.values[base + p]) * a.values[base + p]) }
        }
        return ActivationMap(height: a.height, width: a.width, values: sums.map { max(Float($0), 0) })
    }
}

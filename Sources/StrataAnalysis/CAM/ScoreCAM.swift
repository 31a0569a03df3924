import Foundation
import StrataCore

/// Score-CAM as pytorch-grad-cam 1.5.7's `ScoreCAM` computes it: no gradients, one forward run per
/// channel of the layer.
///
/// Each channel is upsampled to the input's size bilinearly with aligned corners (torch's
/// `UpsamplingBilinear2d`), scaled to `(u − min) / (max − min + 1e-8)`, and multiplied into the input;
/// the model's target score on each masked input, softmax-ed over the channels, weights the channels:
/// `relu(Σ_k softmax(s)_k · A_k)`. All in float32.
public enum ScoreCAM {
    /// The map after the ReLU. `scores` runs the model on `count` masked inputs laid one after the
    /// other (each the input's shape) and returns the target's score for each; it is called with at
    /// most `batchSize` inputs at a time (16, as pytorch-grad-cam).
    public static func map(
        activations: ChannelPlanes, input: ModelInputImage, batchSize: Int = 16,
        scores: (_ inputs: [Float], _ count: Int) throws -> [Float]
    ) throws -> ActivationMap {
        guard batchSize > 0 else { throw StrataError(.invalidInput, "Score-CAM batch size must be positive, got \(batchSize)") }
        var channelScores: [Float] = []
        channelScores.reserveCapacity(activations.channels)
        var start = 0
        while start < activations.channels {
            let end = min(start + batchSize, activations.channels)
            var batch: [Float] = []
            batch.reserveCapacity((end - start) * input.values.count)
            for c in start ..< end { batch += input.masked(by: mask(activations, channel: c, height: input.height, width: input.width)) }
            let got = try scores(batch, end - start)
            guard got.count == end - start else {
                throw StrataError(.invalidInput, "Score-CAM: the model gave \(got.count) scores for \(end - start) masked inputs")
            }
            channelScores += got
            start = end
        }
        return GradientCAM.weightedSum(activations, weights: softmax(channelScores))
    }

    /// Channel `c` upsampled to `height × width` (aligned corners) and min–max scaled with 1e-8.
    public static func mask(_ a: ChannelPlanes, channel c: Int, height: Int, width: Int) -> ActivationMap {
        let plane = Array(a.plane(c))
        let ys = alignedTaps(from: a.height, to: height)
        let xs = alignedTaps(from: a.width, to: width)
        var up = [Float](repeating: 0, count: height * width)
        for y in 0 ..< height {
            let (h0, h1, hl) = ys[y]
            for x in 0 ..< width {
                let (w0, w1, wl) = xs[x]
                let top = (1 - wl) * plane[h0 * a.width + w0] + wl * plane[h0 * a.width + w1]
                let bottom = (1 - wl) * plane[h1 * a.width + w0] + wl * plane[h1 * a.width + w1]
                up[y * width + x] = (1 - hl) * top + hl * bottom
            }
        }
        let low = up.min() ?? 0, high = up.max() ?? 0
        let denominator = high - low + 1e-8
        return ActivationMap(height: height, width: width, values: up.map { ($0 - low) / denominator })
    }

    /// torch's linear taps with `align_corners=True`: source `scale · d` with `scale = (in − 1)/(out − 1)`
    /// in float32 (0 for one output), the lower index, the upper one (clamped) and the upper weight.
    static func alignedTaps(from input: Int, to output: Int) -> [(Int, Int, Float)] {
        let scale: Float = output > 1 ? Float(input - 1) / Float(output - 1) : 0
        return (0 ..< output).map { d in
            let source = scale * Float(d)
            let low = min(Int(source), input - 1)
            let high = low < input - 1 ? low + 1 : low
            return (low, high, source - Float(low))
        }
    }

    /// torch's softmax over a vector: `exp(x − max) / Σ exp(x − max)`.
    static func softmax(_ x: [Float]) -> [Float] {
        guard let top = x.max() else { return [] }
        let e = x.map { expf($0 - top) }
        var sum: Float = 0
        for v in e { sum += v }
        return e.map { $0 / sum }
    }
}

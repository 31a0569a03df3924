import StrataCore

/// The feature vectors of a batch activation, one per input (axis 0 is the batch), for embeddings.
///
/// `flatten` keeps every value of `act[b]` in memory order. `mean` and `max` reduce the spatial axes
/// and keep one value per channel, the channel axis chosen by the model's layout as `ActivationAxes`
/// does (last for `.nhwc`, axis 1 for `.nchw`): `act[b].mean(axis=spatial)` (summed in double,
/// rounded to float32) and `act[b].max(axis=spatial)`. A rank-2 activation `[N, units]` has no spatial
/// axis, so every pooling keeps its units; a rank-1 activation `[N]` gives one feature per input.
/// Any dtype is read as float32; NaN and ±∞ pass through (the embedding refuses them).
public enum ActivationFeatures {
    /// Features per input for an activation of `shape` (batch first); throws `invalidInput` for a
    /// scalar or an activation with no values per input.
    public static func width(shape: [Int], layout: ActivationLayout, pooling: FeaturePooling) throws -> Int {
        guard shape.count >= 1 else { throw StrataError(.invalidInput, "a scalar activation has no batch axis to embed") }
        let perInput = shape.dropFirst().reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard perInput > 0 else { throw StrataError(.invalidInput, "an activation of shape \(shape) has no values per input") }
        if pooling == .flatten || shape.count <= 2 { return perInput }
        return ActivationAxes(shape: shape, layout: layout).channels
    }

    /// Appends the feature vector of every input of `tensor` to `rows` (row after row) and returns
    /// the number of inputs.
    @discardableResult
    public static func append(_ tensor: Tensor, layout: ActivationLayout, pooling: FeaturePooling, to rows: inout [Float]) throws -> Int {
        let shape = tensor.shape
        let width = try self.width(shape: shape, layout: layout, pooling: pooling)
        let batch = shape[0]
        let perInput = tensor.count / max(1, batch)
        let start = rows.count
        rows.append(contentsOf: repeatElement(0, count: batch * width))
        if pooling == .flatten || shape.count <= 2 {
            rows.withUnsafeMutableBufferPointer { out in
                tensor.copyFloats(from: 0, count: batch * perInput, into: out.baseAddress! + start)
            }
            return batch
        }
        let axes = ActivationAxes(shape: shape, layout: layout)
        let channelAxis = axes.channelAxis!
        let channels = shape[channelAxis]
        // Per input: [outer, channels, inner] with outer the axes between batch and channel.
        let outer = shape[1 ..< channelAxis].reduce(1, *), inner = shape[(channelAxis + 1)...].reduce(1, *)
        let positions = Double(outer * inner)
        var values = [Float](repeating: 0, count: perInput)
        var sums = [Double](repeating: 0, count: channels)
        var maxima = [Float](repeating: 0, count: channels)
        for b in 0 ..< batch {
            values.withUnsafeMutableBufferPointer { tensor.copyFloats(from: b * perInput, count: perInput, into: $0.baseAddress!) }
            for c in 0 ..< channels {
                sums[c] = 0
                maxima[c] = -.infinity
            }
            for o in 0 ..< outer {
                for c in 0 ..< channels {
                    let base = (o * channels + c) * inner
                    var sum = sums[c], largest = maxima[c]
                    for i in 0 ..< inner {
                        let v = values[base + i]
                        sum += Double(v)
                        // NaN wins, as in numpy's max.
                        if v.isNaN || largest.isNaN { largest = .nan } else if v > largest { largest = v }
                    }
                    sums[c] = sum
                    maxima[c] = largest
                }
            }
            for c in 0 ..< channels {
                rows[start + b * width + c] = pooling == .mean ? Float(sums[c] / positions) : maxima[c]
            }
        }
        return batch
    }
}

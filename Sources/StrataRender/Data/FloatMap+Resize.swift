import StrataCore

extension FloatMap {
    /// This map resized to `height` × `width` by bilinear interpolation with half-pixel centres,
    /// the arithmetic of PyTorch's `interpolate(mode="bilinear", align_corners=False)` and OpenCV's
    /// `INTER_LINEAR` (no antialiasing when shrinking).
    ///
    /// For each output row `y` (and likewise each column) in double:
    /// `s = max((y + 0.5) · inHeight / outHeight − 0.5, 0)`, `y0 = ⌊s⌋`, `y1 = min(y0 + 1, inHeight − 1)`,
    /// `λ = s − y0`; the value is `(1 − λy)·((1 − λx)·v00 + λx·v01) + λy·((1 − λx)·v10 + λx·v11)`
    /// rounded once to float32. A NaN among the four neighbours gives NaN, as in PyTorch.
    /// Throws `invalidInput` for an empty map or an output size outside 1…16384 a side or above
    /// 64 M values.
    public func resizedBilinear(height outHeight: Int, width outWidth: Int) throws -> FloatMap {
        guard !isEmpty else { throw StrataError(.invalidInput, "cannot resize an empty \(height)×\(width) map") }
        try RenderLimits.checkRaster(width: outWidth, height: outHeight, what: "resized map")
        let rows = FloatMap.samples(from: height, to: outHeight)
        let columns = FloatMap.samples(from: width, to: outWidth)
        var out = [Float](repeating: 0, count: outHeight * outWidth)
        for (y, r) in rows.enumerated() {
            let top = r.first * width, bottom = r.second * width
            for (x, c) in columns.enumerated() {
                let upper = (1 - c.weight) * Double(values[top + c.first]) + c.weight * Double(values[top + c.second])
                let lower = (1 - c.weight) * Double(values[bottom + c.first]) + c.weight * Double(values[bottom + c.second])
                out[y * outWidth + x] = Float((1 - r.weight) * upper + r.weight * lower)
            }
        }
        return FloatMap(checkedHeight: outHeight, width: outWidth, values: out)
    }

    /// For each output position along one axis: the two source indices and the second one's weight.
    private static func samples(from input: Int, to output: Int) -> [(first: Int, second: Int, weight: Double)] {
        let scale = Double(input) / Double(output)
        return (0..<output).map { o in
            let source = max((Double(o) + 0.5) * scale - 0.5, 0)
            let first = min(Int(source), input - 1)
            return (first, min(first + 1, input - 1), source - Double(first))
        }
    }
}

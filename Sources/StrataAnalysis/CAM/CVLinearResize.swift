/// Bilinear resizing of a float32 map as OpenCV's `cv2.resize(src, (width, height))` does with its
/// default `INTER_LINEAR`: half-pixel centres, no antialiasing when shrinking, edges clamped.
///
/// For each output column `x`: `f = float((x + 0.5) · (inWidth / outWidth) − 0.5)` (computed in double,
/// rounded to float), `s = ⌊f⌋`, `α = f − s`; `s < 0` becomes `s = 0, α = 0` and `s ≥ inWidth − 1`
/// becomes `s = inWidth − 1, α = 0`. Rows are interpolated horizontally first with weights
/// `(1 − α, α)`, then vertically, all in float32, as OpenCV's `resizeGeneric_` does for `CV_32F`.
public enum CVLinearResize {
    /// `map` resized to `height × width` (both positive).
    public static func resize(_ map: ActivationMap, height: Int, width: Int) -> ActivationMap {
        precondition(height > 0 && width > 0 && map.height > 0 && map.width > 0, "CVLinearResize: empty size")
        let xs = taps(from: map.width, to: width)
        let ys = taps(from: map.height, to: height)
        var rows = [Float](repeating: 0, count: map.height * width)
        for r in 0 ..< map.height {
            let base = r * map.width
            for x in 0 ..< width {
                let (s, a) = xs[x]
                let left = map.values[base + s]
                let right = s + 1 < map.width ? map.values[base + s + 1] : 0
                rows[r * width + x] = left * (1 - a) + right * a
            }
        }
        var out = [Float](repeating: 0, count: height * width)
        for y in 0 ..< height {
            let (s, b) = ys[y]
            let next = min(s + 1, map.height - 1)
            for x in 0 ..< width {
                out[y * width + x] = rows[s * width + x] * (1 - b) + rows[next * width + x] * b
            }
        }
        return ActivationMap(height: height, width: width, values: out)
    }

    /// Source index and weight of the second tap for each output coordinate.
    static func taps(from input: Int, to output: Int) -> [(Int, Float)] {
        let scale = 1.0 / (Double(output) / Double(input))
        return (0 ..< output).map { d in
            var f = Float((Double(d) + 0.5) * scale - 0.5)
            var s = Int(f.rounded(.down))
            f -= Float(s)
            if s < 0 {
                s = 0
                f = 0
            }
            if s >= input - 1 {
                s = input - 1
                f = 0
            }
            return (s, f)
        }
    }
}

import Foundation

/// The convolution weights of one resampling pass along one axis, as Pillow's
/// `precompute_coeffs` and `normalize_coeffs_8bpc` compute them: per output position, the first
/// source index, the window length, and `windowSize` fixed-point weights (22 fraction bits,
/// rounded half away from zero after normalising the double weights to sum 1).
struct ResampleCoefficients {
    /// Fraction bits of the fixed-point weights (Pillow's PRECISION_BITS = 32 − 8 − 2).
    static let precisionBits: Int32 = 22

    /// Weights per output position (the longest window; shorter windows are zero-padded).
    let windowSize: Int
    /// First source index of each output position's window.
    let starts: [Int]
    /// Number of source samples in each output position's window.
    let counts: [Int]
    /// `outSize × windowSize` weights.
    let weights: [Int32]

    /// Weights for mapping source coordinates `from ..< to` (of a source `inSize` long) onto
    /// `outSize` positions with `filter`.
    init(inSize: Int, from: Float, to: Float, outSize: Int, filter: ResampleFilter) {
        // Pillow takes the box as C floats: the span is computed in single precision.
        let scale = Double(to - from) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let windowSize = Int(support.rounded(.up)) * 2 + 1
        var starts = [Int](repeating: 0, count: outSize)
        var counts = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * windowSize)
        var window = [Double](repeating: 0, count: windowSize)
        let inverse = 1 / filterScale
        for out in 0 ..< outSize {
            let center = Double(from) + (Double(out) + 0.5) * scale
            // C's (int) conversion truncates toward zero.
            let first = max(Int((center - support + 0.5).rounded(.towardZero)), 0)
            let last = min(Int((center + support + 0.5).rounded(.towardZero)), inSize)
            let count = min(max(last - first, 0), windowSize)
            var total = 0.0
            for i in 0 ..< count {
                let w = filter.weight((Double(i + first) - center + 0.5) * inverse)
                window[i] = w
                total += w
            }
            for i in 0 ..< count {
                let w = total != 0 ? window[i] / total : window[i]
                let fixed = w * Double(1 << Self.precisionBits)
                weights[out * windowSize + i] = Int32((w < 0 ? -0.5 + fixed : 0.5 + fixed).rounded(.towardZero))
            }
            starts[out] = first
            counts[out] = count
        }
        self.windowSize = windowSize
        self.starts = starts
        self.counts = counts
        self.weights = weights
    }

    /// A fixed-point sum (started at one half) back to a sample: `sum >> 22`, clipped to 0...255.
    @inline(__always)
    static func clip(_ sum: Int32) -> UInt8 {
        let v = sum >> precisionBits
        return v < 0 ? 0 : v > 255 ? 255 : UInt8(truncatingIfNeeded: v)
    }
}

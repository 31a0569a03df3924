import StrataCore

/// The attributes of a Resize or Upsample node (`ResizeAttributes`) as the kernel uses them, and the
/// per-axis sampling taps they imply (following the ONNX reference implementation's formulas).
struct ResizeSettings: Sendable {
    typealias Mode = ResizeAttributes.Mode
    typealias Coordinates = ResizeAttributes.Coordinates
    typealias NearestMode = ResizeAttributes.NearestMode

    /// Where one output position samples along one axis.
    struct Tap: Sendable {
        /// First input index of the window (may lie outside the axis; reads clamp to the edge).
        var start: Int
        /// Window weights, one per input index from `start`.
        var weights: [Double]
        /// The nearest-mode input index, clamped into the axis.
        var nearest: Int
        /// `tf_crop_and_resize` maps this position outside the input: it takes the extrapolation value.
        var extrapolated: Bool
    }

    let mode: Mode
    let coordinates: Coordinates
    let nearestMode: NearestMode
    let cubicA: Double
    let excludeOutside: Bool
    let extrapolationValue: Float
    let antialias: Bool
    let axes: [Int]?
    let keepAspectRatioPolicy: String

    init(_ attributes: ResizeAttributes) {
        (mode, coordinates, nearestMode) = (attributes.mode, attributes.coordinates, attributes.nearestMode)
        (cubicA, excludeOutside) = (Double(attributes.cubicA), attributes.excludeOutside)
        (extrapolationValue, antialias) = (attributes.extrapolationValue, attributes.antialias)
        (axes, keepAspectRatioPolicy) = (attributes.axes, attributes.keepAspectRatioPolicy)
    }

    /// The input coordinate output position `y` maps to along an axis.
    func sourceCoordinate(_ y: Int, inputSize: Int, outputSize: Int, scale: Double, roi: (Double, Double)) -> Double {
        let yd = Double(y)
        let outputWidth = scale * Double(inputSize)
        switch coordinates {
        case .halfPixel:
            return (yd + 0.5) / scale - 0.5
        case .halfPixelSymmetric:
            let adjustment = Double(outputSize) / outputWidth
            let offset = Double(inputSize) / 2 * (1 - adjustment)
            return offset + (yd + 0.5) / scale - 0.5
        case .pytorchHalfPixel:
            return outputWidth == 1 ? -0.5 : (yd + 0.5) / scale - 0.5
        case .alignCorners:
            return outputWidth == 1 ? 0 : yd * Double(inputSize - 1) / (outputWidth - 1)
        case .asymmetric:
            return yd / scale
        case .tfHalfPixelForNN:
            return (yd + 0.5) / scale
        case .tfCropAndResize:
            let span = roi.1 - roi.0
            let x = outputWidth == 1
                ? span * Double(inputSize - 1) / 2
                : yd * span * Double(inputSize - 1) / (outputWidth - 1)
            return x + roi.0 * Double(inputSize - 1)
        }
    }

    /// The taps of every output position along one axis.
    func taps(inputSize: Int, outputSize: Int, scale: Double, roi: (Double, Double)) -> [Tap] {
        (0..<outputSize).map { y in
            let x = sourceCoordinate(y, inputSize: inputSize, outputSize: outputSize, scale: scale, roi: roi)
            let extrapolated = coordinates == .tfCropAndResize && (x < 0 || x > Double(inputSize - 1))
            let base = x.rounded(.down)
            let isInteger = base == x
            // The reference's ratio lies in (0, 1]: an exact integer counts as ratio 1 of the left pixel.
            let ratio = isInteger ? 1 : x - base
            let weights = coefficients(ratio, scale: scale)
            let n = weights.count
            let start = Int(base) - n / 2 + (isInteger ? 0 : 1)
            var nearest: Int
            switch nearestMode {
            case .simple: nearest = scale < 1 ? Int(x.rounded(.up)) : Int(x.rounded(.towardZero))
            case _ where isInteger: nearest = Int(base)
            case .roundPreferFloor: nearest = Int(base) + (ratio <= 0.5 ? 0 : 1)
            case .roundPreferCeil: nearest = Int(base) + (ratio < 0.5 ? 0 : 1)
            case .floor: nearest = Int(base)
            case .ceil: nearest = Int(base) + 1
            }
            nearest = Swift.min(Swift.max(nearest, 0), inputSize - 1)
            var w = weights
            if excludeOutside {
                for k in 0..<n where start + k < 0 || start + k >= inputSize { w[k] = 0 }
                let sum = w.reduce(0, +)
                if sum != 0 { w = w.map { $0 / sum } }
            }
            return Tap(start: start, weights: w, nearest: nearest, extrapolated: extrapolated)
        }
    }

    /// Interpolation weights for a position `ratio` ∈ (0, 1] right of a window's centre pixel.
    func coefficients(_ ratio: Double, scale: Double) -> [Double] {
        switch mode {
        case .nearest:
            return [1 - ratio, ratio]
        case .linear where !antialias:
            return [1 - ratio, ratio]
        case .linear:
            let s = Swift.min(scale, 1)
            let first = Int((-1 / s).rounded(.down)) + 1
            let footprint = 2 - 2 * first
            let raw = (first..<(first + footprint)).map { Swift.min(Swift.max(1 - abs((Double($0) - ratio) * s), 0), 1) }
            let sum = raw.reduce(0, +)
            return raw.map { $0 / sum }
        case .cubic where !antialias:
            let a = cubicA
            let r1 = ratio + 1, q = 1 - ratio, q1 = q + 1
            return [
                ((a * r1 - 5 * a) * r1 + 8 * a) * r1 - 4 * a,
                ((a + 2) * ratio - (a + 3)) * ratio * ratio + 1,
                ((a + 2) * q - (a + 3)) * q * q + 1,
                ((a * q1 - 5 * a) * q1 + 8 * a) * q1 - 4 * a,
            ]
        case .cubic:
            let s = Swift.min(scale, 1), a = cubicA
            let first = Int((-2 / s).rounded(.down)) + 1
            let raw = (first..<(2 - first)).map { i -> Double in
                let x = abs(s * (Double(i) - ratio))
                if x <= 1 { return (a + 2) * x * x * x - (a + 3) * x * x + 1 }
                if x < 2 { return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a }
                return 0
            }
            let sum = raw.reduce(0, +)
            return raw.map { $0 / sum }
        }
    }
}

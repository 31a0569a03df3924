import Foundation

/// The resampling filters of Pillow's `Image.resize` (Pillow's `Resampling` names, lowercased).
///
/// `nearest` picks source pixels; the others are convolution kernels with Pillow's support
/// radii, widened by the scale factor when shrinking (antialiasing). `area` is accepted as a
/// name for `box` when parsing, as OpenCV and TensorFlow call it.
public enum ResampleFilter: String, Sendable, CaseIterable {
    case nearest
    case box
    case bilinear
    case hamming
    case bicubic
    case lanczos

    /// Parses a filter name (`nearest`, `bilinear`, `bicubic`, `area`/`box`, `lanczos`, `hamming`).
    public init?(name: String) {
        let lowered = name.lowercased()
        if lowered == "area" {
            self = .box
        } else if let filter = ResampleFilter(rawValue: lowered) {
            self = filter
        } else {
            return nil
        }
    }

    /// The kernel's radius in source pixels at scale 1 (Pillow's `support`).
    var support: Double {
        switch self {
        case .nearest: return 0
        case .box: return 0.5
        case .bilinear, .hamming: return 1
        case .bicubic: return 2
        case .lanczos: return 3
        }
    }

    /// The kernel at `x`, exactly as Pillow's Resample.c computes it in double precision
    /// (including its single-precision Hamming constants).
    func weight(_ x: Double) -> Double {
        switch self {
        case .nearest:
            return 0
        case .box:
            return x > -0.5 && x <= 0.5 ? 1 : 0
        case .bilinear:
            let a = abs(x)
            return a < 1 ? 1 - a : 0
        case .hamming:
            let a = abs(x)
            if a == 0 { return 1 }
            if a >= 1 { return 0 }
            let t = a * Double.pi
            return sin(t) / t * (Double(Float(0.54)) + Double(Float(0.46)) * cos(t))
        case .bicubic:
            let a = -0.5
            let t = abs(x)
            if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
            if t < 2 { return (((t - 5) * t + 8) * t - 4) * a }
            return 0
        case .lanczos:
            guard -3 <= x && x < 3 else { return 0 }
            return Self.sinc(x) * Self.sinc(x / 3)
        }
    }

    private static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let t = x * Double.pi
        return sin(t) / t
    }
}

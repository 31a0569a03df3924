import StrataCore

/// A linear map of data values onto 0...1, computed exactly as matplotlib's `Normalize(vmin, vmax)`
/// (clip off) computes it for float32 data.
///
/// matplotlib stores `vmin` and `vmax` as Python floats (doubles) and works in place on the float32
/// data, so each step is done in double and rounded to float32: `t = Float(Double(v) - vmin)`, then
/// `Float(Double(t) / (vmax - vmin))` with `vmax - vmin` in double. When `vmin == vmax` every value,
/// NaN included, maps to 0. Values outside `vmin...vmax` map outside 0...1 (the colour map's under
/// and over colours), NaN stays NaN.
public struct Normalization: Sendable, Hashable {
    public let vmin: Double
    public let vmax: Double

    /// Throws `invalidInput` unless both limits are finite and `vmin <= vmax` (matplotlib raises
    /// for `vmin > vmax`).
    public init(vmin: Double, vmax: Double) throws {
        guard vmin.isFinite, vmax.isFinite else {
            throw StrataError(.invalidInput, "colour scale limits must be finite, got \(vmin) … \(vmax)")
        }
        guard vmin <= vmax else {
            throw StrataError(.invalidInput, "colour scale minimum \(vmin) is above its maximum \(vmax)")
        }
        self.vmin = vmin
        self.vmax = vmax
    }

    /// The normalised value of `value`, bit for bit matplotlib's.
    public func callAsFunction(_ value: Float) -> Float {
        if vmin == vmax { return 0 }
        let shifted = Float(Double(value) - vmin)
        return Float(Double(shifted) / (vmax - vmin))
    }

    /// Where `value` lies between the limits, in double (for placing ticks on a colour bar).
    func fraction(_ value: Double) -> Double {
        vmin == vmax ? 0.5 : (value - vmin) / (vmax - vmin)
    }
}

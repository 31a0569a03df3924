import Foundation

/// Short number labels: `%.3g`-like compact numbers for ranges and summaries, and tick labels
/// with just the decimals their step needs (never "0.30000000000000004"). Negative numbers use the
/// typographic minus sign "−" (U+2212), as matplotlib does.
enum NumberFormat {
    /// `x` with `significant` significant digits, `%g` style (`0.000123`, `1.23e5`), exponents
    /// without "+" or leading zeros, `−` for minus, `NaN`, `∞`, `−∞`.
    static func compact(_ x: Double, significant: Int = 3) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "∞" : "−∞" }
        if x == 0 { return "0" }
        var text = String(format: "%.\(max(1, significant))g", x)
        if let e = text.firstIndex(where: { $0 == "e" }) {
            let mantissa = text[..<e]
            var exponent = String(text[text.index(after: e)...])
            let negative = exponent.hasPrefix("-")
            exponent = String(exponent.drop { $0 == "+" || $0 == "-" || $0 == "0" })
            text = mantissa + "e" + (negative ? "-" : "") + (exponent.isEmpty ? "0" : exponent)
        }
        return withMinus(text)
    }

    /// A power of ten for a log axis: `0.001` … `10000` written out, `1e5` and beyond (or below
    /// `1e-3`) in exponent form.
    static func decade(_ x: Double) -> String {
        let k = Int(log10(x).rounded())
        if (-3...4).contains(k) { return String(format: "%.\(max(0, -k))f", pow(10, Double(k))) }
        return "1e\(k)"
    }

    /// A count with thousands separators: `12,544`.
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "−" + out : out
    }

    /// Labels for `ticks`, evenly spaced by `step`: fixed-point with the fewest decimals that
    /// show the step exactly, or compact scientific when the numbers are very large or small;
    /// in either case with enough digits that no two labels are equal.
    static func ticks(_ ticks: [Double], step: Double) -> [String] {
        guard let largest = ticks.map({ abs($0) }).max(), step > 0, step.isFinite else {
            return ticks.map { compact($0) }
        }
        if largest >= 1e5 || largest < 1e-3 {
            // The fewest significant digits that write every tick to within a thousandth of a step.
            for digits in 1...12 {
                let labels = ticks.map { compact(abs($0) < step * 1e-9 ? 0 : $0, significant: digits) }
                let exact = zip(ticks, labels).allSatisfy { value, label in
                    abs((Double(label.replacingOccurrences(of: "−", with: "-")) ?? .nan) - value) <= step * 1e-3 || abs(value) < step * 1e-9
                }
                if exact { return labels }
            }
            return ticks.map { compact($0, significant: 12) }
        }
        var decimals = 0
        while decimals < 12 {
            let scaled = step * pow(10, Double(decimals))
            if scaled >= 0.5 && abs(scaled - scaled.rounded()) <= 1e-6 * scaled { break }
            decimals += 1
        }
        let labels = ticks.map { value in
            withMinus(String(format: "%.\(decimals)f", abs(value) < step * 1e-9 ? 0 : value))
        }
        return Set(labels).count == labels.count ? labels : ticks.map { compact($0, significant: 12) }
    }

    private static func withMinus(_ text: String) -> String {
        text.hasPrefix("-") ? "−" + text.dropFirst() : text
    }
}

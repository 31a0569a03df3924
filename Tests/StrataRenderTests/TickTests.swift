import Foundation
import StrataTestSupport
import XCTest
@testable import StrataRender

/// Nice ticks and their labels, checked by their properties over many seeded ranges, and number
/// formatting against C's printf.
final class TickTests: XCTestCase {
    /// Whether `step` is 1, 2, 2.5 or 5 times a power of ten.
    private func isNice(_ step: Double, mantissas: [Double] = [1, 2, 2.5, 5]) -> Bool {
        let exponent = log10(step).rounded(.down)
        let m = step / pow(10, exponent)
        return (mantissas + [10]).contains { abs($0 - m) < 1e-9 * $0 }
    }

    private func parse(_ label: String) -> Double? {
        Double(label.replacingOccurrences(of: "−", with: "-"))
    }

    private func ranges() -> [(Double, Double)] {
        var g = SeededGenerator(seed: 99)
        var out: [(Double, Double)] = [(0, 1), (-1, 1), (0.1, 0.9), (-3.7, 12.25), (1e-7, 3e-7), (1000.5, 1000.50001), (-5e8, 2e9), (0, 0.3)]
        for _ in 0..<300 {
            let scale = pow(10, Double(g.unitFloat()) * 16 - 8)
            let a = (Double(g.unitFloat()) - 0.5) * scale, width = Double(g.unitFloat()) * scale + scale * 1e-6
            out.append((a, a + width))
        }
        return out
    }

    func testTicksInsideARange() {
        for (low, high) in ranges() {
            for limit in [2, 3, 5, 8, 12] {
                let t = NiceTicks.inside(low, high, maxCount: limit)
                let context = "\(low)…\(high), at most \(limit)"
                XCTAssertGreaterThanOrEqual(t.values.count, 2, context)
                XCTAssertLessThanOrEqual(t.values.count, limit, context)
                XCTAssertEqual(t.values, t.values.sorted(), context)
                for v in t.values { XCTAssertTrue(v >= low - abs(low) * 1e-12 && v <= high + abs(high) * 1e-12, "\(v) outside \(context)") }
                guard t.step > 0 else {
                    XCTAssertEqual(t.values, [low, high], "without a nice step the ends are labelled: \(context)")
                    continue
                }
                XCTAssertTrue(isNice(t.step), "step \(t.step) for \(context)")
                for v in t.values {
                    XCTAssertEqual((v / t.step).rounded(), v / t.step, accuracy: 1e-6, "\(v) is not a multiple of \(t.step): \(context)")
                }
                let labels = NumberFormat.ticks(t.values, step: t.step)
                XCTAssertEqual(Set(labels).count, labels.count, "labels repeat: \(labels) for \(context)")
                for (v, label) in zip(t.values, labels) {
                    let parsed = parse(label)
                    XCTAssertNotNil(parsed, "\(label) is not a number")
                    XCTAssertEqual(parsed ?? .nan, v, accuracy: t.step * 1e-3, "\(label) for \(v), \(context)")
                    XCTAssertLessThanOrEqual(label.count, 14, "\(label) too long for \(context)")
                }
            }
        }
    }

    func testCoveringLimitsAndIndexTicks() {
        for (low, high) in ranges() {
            let (lower, upper, t) = NiceTicks.covering(low, high, maxCount: 8)
            XCTAssertLessThanOrEqual(lower, low)
            XCTAssertGreaterThanOrEqual(upper, high)
            XCTAssertLessThanOrEqual(t.values.count, 9)
            XCTAssertTrue(isNice(t.step), "step \(t.step) for \(low)…\(high)")
            XCTAssertEqual(t.values.first ?? .nan, lower, accuracy: t.step * 1e-9)
            XCTAssertEqual(t.values.last ?? .nan, upper, accuracy: t.step * 1e-9)
        }
        for count in [1, 2, 3, 7, 10, 12, 56, 100, 784, 4096, 100_000] {
            for limit in [2, 5, 12, 36] {
                let t = NiceTicks.indices(count: count, maxCount: limit)
                XCTAssertEqual(t.values.first, 0)
                XCTAssertLessThanOrEqual(t.values.count, limit)
                XCTAssertLessThanOrEqual(t.values.last ?? 0, Double(count - 1))
                if count > 1 {
                    XCTAssertTrue(isNice(t.step, mantissas: [1, 2, 5]), "step \(t.step) for \(count)")
                    XCTAssertEqual(t.step, t.step.rounded(), "index ticks are whole numbers")
                    XCTAssertGreaterThan((t.values.last ?? 0) + t.step, Double(count - 1), "no further tick fits for \(count)")
                }
            }
        }
        XCTAssertEqual(NiceTicks.decades(0.1, 1500), [0.1, 1, 10, 100, 1000])
        XCTAssertEqual(NiceTicks.decades(2, 9), [])
    }

    func testCompactMatchesPrintf() {
        var g = SeededGenerator(seed: 5)
        var values: [Double] = [0.30000000000000004, 1, -1, 1e-5, 123456, -0.000123456, 2.5e38, 999.5, 0.1 + 0.2]
        for _ in 0..<500 { values.append((Double(g.unitFloat()) - 0.5) * pow(10, Double(g.unitFloat()) * 20 - 10)) }
        for v in values {
            let label = NumberFormat.compact(v)
            XCTAssertEqual(parse(label), Double(String(format: "%.3g", v)), "\(v) → \(label)")
            XCTAssertFalse(label.contains("+") || label.contains("e0") || label.contains("e-0"), label)
        }
        XCTAssertEqual(NumberFormat.compact(0.30000000000000004), "0.3")
        XCTAssertEqual(NumberFormat.compact(-1234567), "−1.23e6")
        XCTAssertEqual(NumberFormat.compact(.nan), "NaN")
        XCTAssertEqual(NumberFormat.compact(-.infinity), "−∞")
        XCTAssertEqual(NumberFormat.count(12544), "12,544")
        XCTAssertEqual(NumberFormat.ticks([0, 0.1, 0.2, 0.30000000000000004], step: 0.1), ["0.0", "0.1", "0.2", "0.3"])
        XCTAssertEqual(NumberFormat.decade(1000), "1000")
        XCTAssertEqual(NumberFormat.decade(1e6), "1e6")
        XCTAssertEqual(NumberFormat.decade(0.01), "0.01")
    }
}

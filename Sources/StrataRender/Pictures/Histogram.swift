import Foundation
import StrataCore

/// A histogram of values already binned by the caller (bin edges and counts), with a value axis,
/// a count axis (linear from 0, or logarithmic) at nice ticks, and a summary line of statistics
/// passed in.
public struct Histogram: Picture {
    /// Statistics of the values the histogram counts, shown under the title.
    public struct Summary: Sendable, Hashable {
        public var count: Int
        public var mean: Double
        public var std: Double
        public var min: Double
        public var max: Double

        public init(count: Int, mean: Double, std: Double, min: Double, max: Double) {
            self.count = count
            self.mean = mean
            self.std = std
            self.min = min
            self.max = max
        }

        /// `n = 12,544 · mean 0.213 · std 0.981 · min −3.2 · max 5.1`.
        var line: String {
            "n = \(NumberFormat.count(count)) · mean \(NumberFormat.compact(mean)) · std \(NumberFormat.compact(std)) · min \(NumberFormat.compact(min)) · max \(NumberFormat.compact(max))"
        }
    }

    public var title: String
    public var subtitle: String?
    /// `counts.count + 1` finite, strictly increasing bin edges.
    public var edges: [Double]
    /// One finite, non-negative count (or density) per bin.
    public var counts: [Double]
    /// A logarithmic count axis (empty bins are then not drawn).
    public var logarithmic: Bool
    public var summary: Summary?
    public var xLabel: String
    public var yLabel: String

    static let barColor = RGB(31, 119, 180)

    public init(
        title: String, subtitle: String? = nil, edges: [Double], counts: [Double], logarithmic: Bool = false,
        summary: Summary? = nil, xLabel: String = "value", yLabel: String = "count"
    ) {
        self.title = title
        self.subtitle = subtitle
        self.edges = edges
        self.counts = counts
        self.logarithmic = logarithmic
        self.summary = summary
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    public func render(format: PictureFormat) throws -> [UInt8] {
        do {
            try validate()
            return try draw(format: format)
        } catch let error as StrataError {
            throw error.located(ErrorLocation(detail: "histogram"))
        }
    }

    private func validate() throws {
        guard !counts.isEmpty else { throw StrataError(.invalidInput, "no bins to draw") }
        guard edges.count == counts.count + 1 else {
            throw StrataError(.invalidInput, "\(counts.count) bins need \(counts.count + 1) edges, got \(edges.count)")
        }
        if let i = edges.firstIndex(where: { !$0.isFinite }) { throw StrataError(.invalidInput, "bin edge \(i) is \(edges[i])") }
        if let i = edges.indices.dropFirst().first(where: { edges[$0] <= edges[$0 - 1] }) {
            throw StrataError(.invalidInput, "bin edges must increase, edge \(i) (\(edges[i])) follows \(edges[i - 1])")
        }
        if let i = counts.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw StrataError(.invalidInput, "bin \(i) has count \(counts[i]); counts must be finite and not negative")
        }
    }

    private func draw(format: PictureFormat) throws -> [UInt8] {
        let type = try Typesetter()
        let plotWidth = min(960, max(480, counts.count * 6)), plotHeight = 320
        let left = edges[0], right = edges[edges.count - 1]
        func x(_ v: Double) -> Double { Double(plotWidth) * (v - left) / (right - left) }
        let xt = NiceTicks.inside(left, right, maxCount: max(2, plotWidth / 80))
        let xTicks = zip(xt.values, NumberFormat.ticks(xt.values, step: xt.step)).map { Axes.Tick(position: x($0), label: $1) }

        let largest = counts.max() ?? 0
        let y: (Double) -> Double
        var yTicks: [Axes.Tick]
        var notes: [String] = summary.map { [$0.line] } ?? []
        if logarithmic, let smallest = counts.filter({ $0 > 0 }).min() {
            let lower = pow(10, (log10(smallest) - 0.3).rounded(.down)), upper = largest * 1.5
            let span = log10(upper) - log10(lower)
            y = { v in Double(plotHeight) * (log10(upper) - log10(v)) / span }
            yTicks = NiceTicks.decades(lower, upper).map { Axes.Tick(position: y($0), label: NumberFormat.decade($0)) }
            notes.append("logarithmic count axis; empty bins not drawn")
        } else {
            let (_, high, ticks) = NiceTicks.covering(0, largest > 0 ? largest : 1, maxCount: plotHeight / 45)
            y = { v in Double(plotHeight) * (high - v) / high }
            yTicks = zip(ticks.values, NumberFormat.ticks(ticks.values, step: ticks.step)).map { Axes.Tick(position: y($0), label: $1) }
            if logarithmic { notes.append("every bin is empty") }
        }
        let axes = Axes(plotWidth: plotWidth, plotHeight: plotHeight, xTicks: xTicks, yTicks: yTicks, xLabel: xLabel, yLabel: yLabel)
        let origin = axes.plotOrigin(type)
        let figure = Figure(
            title: title, subtitle: subtitle, notes: notes, bodyWidth: axes.bodyWidth(type), bodyHeight: axes.bodyHeight(type)
        ) { [edges, counts] canvas, x0, y0 in
            let px = Double(x0 + origin.x), py = Double(y0 + origin.y)
            for (i, count) in counts.enumerated() where count > 0 {
                let top = max(0, y(count))
                let a = x(edges[i]), b = x(edges[i + 1])
                canvas.fill(x: px + a, y: py + top, width: max(b - a, 0.5), height: Double(plotHeight) - top, color: Histogram.barColor)
            }
            axes.draw(on: canvas, x0: x0, y0: y0, type)
        }
        return try figure.render(format: format, type)
    }
}

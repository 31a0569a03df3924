import StrataCore

/// One bar per unit (a Dense layer's outputs: 1 … 10,000 units), with a value axis from 0, unit
/// index ticks, and optionally the k largest units highlighted and named.
///
/// The plot is 480 pixels wide up to 40 units, 12 pixels a unit up to 133, then 1600 pixels; bars
/// are 80 % of their pitch (at most 48 pixels), and where units outnumber pixel columns each column
/// shows the largest and the smallest value of its units (so no peak disappears). NaN values are not drawn, ±∞ reach the axis edge; the notes
/// line counts both.
public struct BarChart: Picture {
    public var title: String
    public var subtitle: String?
    public var values: [Float]
    /// How many of the largest values to highlight (0: none).
    public var highlightTop: Int
    public var xLabel: String
    public var yLabel: String

    static let barColor = RGB(31, 119, 180)
    static let highlightColor = RGB(255, 127, 14)

    public init(title: String, subtitle: String? = nil, values: [Float], highlightTop: Int = 0, xLabel: String = "unit", yLabel: String = "value") {
        self.title = title
        self.subtitle = subtitle
        self.values = values
        self.highlightTop = highlightTop
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// The indices of the `k` largest finite values, largest first (ties: lower index first).
    public static func topIndices(_ values: [Float], _ k: Int) -> [Int] {
        guard k > 0 else { return [] }
        let finite = values.indices.filter { values[$0].isFinite || values[$0] == .infinity }
        let sorted = finite.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }
        return Array(sorted.prefix(k))
    }

    public func render(format: PictureFormat) throws -> [UInt8] {
        do {
            return try draw(format: format)
        } catch let error as StrataError {
            throw error.located(ErrorLocation(detail: "bar chart"))
        }
    }

    private func draw(format: PictureFormat) throws -> [UInt8] {
        guard !values.isEmpty else { throw StrataError(.invalidInput, "no values to draw") }
        guard highlightTop >= 0 else { throw StrataError(.invalidInput, "highlight count must not be negative, got \(highlightTop)") }
        let type = try Typesetter()
        let n = values.count
        let plotWidth = min(1600, max(480, n > 1600 ? 1600 : n * 12))
        let plotHeight = 360
        let range = FloatMap.finiteRange(of: values)
        let (low, high, yTicks) = NiceTicks.covering(min(0, Double(range?.lowerBound ?? 0)), max(0, Double(range?.upperBound ?? 1)), maxCount: plotHeight / 45)
        let pitch = Double(plotWidth) / Double(n)
        func y(_ v: Double) -> Double { Double(plotHeight) * (high - v) / (high - low) }
        let xTicks = NiceTicks.indices(count: n, maxCount: Axes.indexTickLimit(count: n, length: plotWidth, type)).values.map {
            Axes.Tick(position: ($0 + 0.5) * pitch, label: String(Int($0)))
        }
        let axes = Axes(
            plotWidth: plotWidth, plotHeight: plotHeight, xTicks: xTicks,
            yTicks: zip(yTicks.values, NumberFormat.ticks(yTicks.values, step: yTicks.step)).map { Axes.Tick(position: y($0), label: $1) },
            xLabel: xLabel, yLabel: yLabel)
        let top = BarChart.topIndices(values, highlightTop)
        var notes: [String] = []
        if !top.isEmpty {
            let listed = top.prefix(10).map(String.init).joined(separator: ", ")
            notes.append("top \(top.count) \(top.count == 1 ? "unit" : "units") in orange: \(listed)\(top.count > 10 ? ", …" : "")")
        }
        let nanCount = values.lazy.filter(\.isNaN).count, infCount = values.lazy.filter(\.isInfinite).count
        if nanCount > 0 { notes.append("\(NumberFormat.count(nanCount)) NaN \(nanCount == 1 ? "value" : "values") not drawn") }
        if infCount > 0 { notes.append("\(NumberFormat.count(infCount)) infinite \(infCount == 1 ? "value reaches" : "values reach") the axis edge") }

        let origin = axes.plotOrigin(type)
        let figure = Figure(
            title: title, subtitle: subtitle, notes: notes, bodyWidth: axes.bodyWidth(type), bodyHeight: axes.bodyHeight(type)
        ) { [values] canvas, x0, y0 in
            let px = Double(x0 + origin.x), py = Double(y0 + origin.y)
            let zero = y(0)
            func clipped(_ v: Float) -> Double { v == .infinity ? high : v == -.infinity ? low : Double(v) }
            func bar(_ x: Double, _ width: Double, _ v: Double, _ color: RGB) {
                let a = y(v)
                canvas.fill(x: px + x, y: py + min(a, zero), width: width, height: max(abs(a - zero), 1), color: color)
            }
            if pitch >= 2 {
                let width = pitch >= 4 ? min(pitch * 0.8, 48) : pitch
                let inset = (pitch - width) / 2
                for (i, v) in values.enumerated() where !v.isNaN {
                    bar(Double(i) * pitch + inset, width, clipped(v), BarChart.barColor)
                }
            } else {
                // More units than pixel columns: each column shows its units' extremes.
                for column in 0..<plotWidth {
                    let first = Int((Double(column) / pitch).rounded(.down)), last = min(n, Int((Double(column + 1) / pitch).rounded(.up)))
                    var most = -Double.infinity, least = Double.infinity
                    for v in values[first..<max(first + 1, last)] where !v.isNaN {
                        most = max(most, clipped(v))
                        least = min(least, clipped(v))
                    }
                    if most > 0 { bar(Double(column), 1, most, BarChart.barColor) }
                    if least < 0 { bar(Double(column), 1, least, BarChart.barColor) }
                    if most == 0 || least == 0 { bar(Double(column), 1, 0, BarChart.barColor) }
                }
            }
            for i in top {
                let width = max(2, pitch >= 4 ? min(pitch * 0.8, 48) : pitch)
                bar(Double(i) * pitch + (pitch - width) / 2, width, clipped(values[i]), BarChart.highlightColor)
            }
            if low < 0 && high > 0 {
                canvas.fill(x: px, y: (py + zero).rounded(.down), width: Double(plotWidth), height: 1, color: Axes.spineColor)
            }
            // Name the highlighted units above their bars, skipping names that would collide.
            var taken: [ClosedRange<Double>] = []
            for i in top.prefix(10) {
                let label = String(i)
                let w = type.width(label, .label)
                let cx = px + (Double(i) + 0.5) * pitch
                let span = (cx - w / 2 - 2)...(cx + w / 2 + 2)
                guard !taken.contains(where: { $0.overlaps(span) }) else { continue }
                taken.append(span)
                let tip = y(max(0, clipped(values[i])))
                if tip >= 14 {
                    canvas.text(label, x: cx, y: py + tip - 3, font: .label, color: RGB(170, 80, 0), align: .center)
                } else {
                    // No room above a bar that reaches the top: write inside it.
                    canvas.text(label, x: cx, y: py + tip + 13, font: .label, color: .white, align: .center)
                }
            }
            axes.draw(on: canvas, x0: x0, y0: y0, type)
        }
        return try figure.render(format: format, type)
    }
}

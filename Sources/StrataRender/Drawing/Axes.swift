/// A rectangular plot area with a left and a bottom axis: tick marks pointing out, tick labels,
/// axis labels, and a frame. Positions are in pixels within the plot area (y from the top).
struct Axes {
    struct Tick {
        var position: Double
        var label: String
    }

    var plotWidth: Int
    var plotHeight: Int
    var xTicks: [Tick]
    var yTicks: [Tick]
    var xLabel: String?
    var yLabel: String?

    static let tickLength = 4
    static let spineColor = RGB(60, 60, 60)
    /// Room above the plot for the half of a top tick label that sticks out.
    static let topPad = 8

    /// How many index ticks fit along `length` pixels for `count` indices, with room for the
    /// widest label.
    static func indexTickLimit(count: Int, length: Int, _ type: Typesetter) -> Int {
        let widest = type.width(String(max(0, count - 1)), .label)
        return max(2, Int(Double(length) / (widest + 16)))
    }

    func leftWidth(_ type: Typesetter) -> Int {
        let labels = type.maxWidth(yTicks.map(\.label), .label)
        let axisLabel = yLabel == nil ? 0 : type.lineHeight(.label) + 8
        return Axes.tickLength + 4 + Int(labels.rounded(.up)) + axisLabel
    }

    func rightPad(_ type: Typesetter) -> Int {
        guard let last = xTicks.last else { return 4 }
        let overhang = type.width(last.label, .label) / 2 - (Double(plotWidth) - last.position)
        return max(4, Int(overhang.rounded(.up)) + 2)
    }

    func bottomHeight(_ type: Typesetter) -> Int {
        let line = type.lineHeight(.label)
        return Axes.tickLength + 3 + line + (xLabel == nil ? 0 : line + 6)
    }

    func bodyWidth(_ type: Typesetter) -> Int { leftWidth(type) + plotWidth + rightPad(type) }
    func bodyHeight(_ type: Typesetter) -> Int { Axes.topPad + plotHeight + bottomHeight(type) }

    /// The plot area's top-left corner within the body.
    func plotOrigin(_ type: Typesetter) -> (x: Int, y: Int) { (leftWidth(type), Axes.topPad) }

    /// Draws frame, ticks and labels around the plot area of a body at (`x0`, `y0`).
    func draw(on canvas: Canvas, x0: Int, y0: Int, _ type: Typesetter) {
        let origin = plotOrigin(type)
        let px = Double(x0 + origin.x), py = Double(y0 + origin.y)
        let w = Double(plotWidth), h = Double(plotHeight)
        canvas.frame(x: px, y: py, width: w, height: h, color: Axes.spineColor)
        let metrics = type.lineMetrics(.label)
        let tick = Double(Axes.tickLength)
        for t in xTicks {
            let x = (px + t.position).rounded(.down)
            canvas.fill(x: x, y: py + h + 1, width: 1, height: tick, color: Axes.spineColor)
            canvas.text(t.label, x: x + 0.5, y: py + h + 1 + tick + 3 + Double(metrics.ascent), font: .label, align: .center)
        }
        let capShift = Font.label.size * 0.36
        for t in yTicks {
            let y = (py + t.position).rounded(.down)
            canvas.fill(x: px - 1 - tick, y: y, width: tick, height: 1, color: Axes.spineColor)
            canvas.text(t.label, x: px - 1 - tick - 4, y: y + 0.5 + capShift, font: .label, align: .right)
        }
        if let xLabel {
            let baseline = py + h + 1 + tick + 3 + Double(metrics.ascent + metrics.descent) + 6 + Double(metrics.ascent)
            canvas.text(type.fitted(xLabel, .label, maxWidth: max(w, 60)), x: px + w / 2, y: baseline, font: .label, color: RGB(40, 40, 40), align: .center)
        }
        if let yLabel {
            let x = Double(x0) + Double(metrics.ascent)
            canvas.text(type.fitted(yLabel, .label, maxWidth: max(h, 60)), x: x, y: py + h / 2, font: .label, color: RGB(40, 40, 40), align: .center, vertical: true)
        }
    }
}

/// The colour bar beside a picture: the colour ramp bottom (low) to top (high), ticks and labels
/// on its right, a caption along it, and a "NaN" swatch below when the data holds NaN.
struct ColorBar {
    enum Scale {
        /// Ticks in data units between the normalisation's limits.
        case values(Normalization)
        /// Only the ends are labelled (each tile has its own range).
        case relative(low: String, high: String)
    }

    /// The 256 colours of the ramp, low to high.
    var colors: [RGB]
    var scale: Scale
    var caption: String?
    /// The NaN colour, when the data has NaN values.
    var badColor: RGB?

    static let barWidth = 16
    static let gapBefore = 18
    static let tickLength = 4
    static let labelGap = 3
    static let captionGap = 8
    static let minHeight = 120
    static let maxHeight = 420

    init(colorMap: ColorMap, scale: Scale, caption: String?, hasNaN: Bool) {
        self.colors = colorMap.entries
        self.scale = scale
        self.caption = caption
        self.badColor = hasNaN ? colorMap.badColor : nil
    }

    init(colors: [RGB], scale: Scale, caption: String?, badColor: RGB?) {
        self.colors = colors
        self.scale = scale
        self.caption = caption
        self.badColor = badColor
    }

    /// The bar's height beside a body `bodyHeight` high.
    static func height(beside bodyHeight: Int) -> Int {
        min(max(bodyHeight, minHeight), maxHeight)
    }

    /// Tick positions (0 = bottom … 1 = top) and their labels, for a bar `height` high.
    func ticks(height: Int) -> [(position: Double, label: String)] {
        switch scale {
        case .relative(let low, let high):
            return [(0, low), (1, high)]
        case .values(let norm):
            if norm.vmin == norm.vmax { return [(0.5, NumberFormat.compact(norm.vmin))] }
            let ticks = NiceTicks.inside(norm.vmin, norm.vmax, maxCount: max(2, height / 36))
            let labels = NumberFormat.ticks(ticks.values, step: ticks.step)
            return zip(ticks.values, labels).map { (norm.fraction($0), $1) }
        }
    }

    /// The width the bar, its labels and caption take, not counting `gapBefore`.
    func width(height: Int, _ type: Typesetter) -> Int {
        var labels = ticks(height: height).map(\.label)
        if badColor != nil { labels.append("NaN") }
        var w = Double(ColorBar.barWidth + ColorBar.tickLength + ColorBar.labelGap) + type.maxWidth(labels, .label)
        if caption != nil { w += Double(ColorBar.captionGap + type.lineHeight(.label)) }
        return Int(w.rounded(.up))
    }

    /// The height the bar and its NaN swatch take.
    func totalHeight(height: Int) -> Int {
        height + (badColor != nil ? 22 : 0)
    }

    /// Draws the bar with its top-left corner at (`x`, `y`).
    func draw(on canvas: Canvas, x: Int, y: Int, height: Int, _ type: Typesetter) throws {
        let ramp = try Raster(width: ColorBar.barWidth, height: height) { row, _ in
            let fraction = (Double(height - 1 - row) + 0.5) / Double(height)
            return colors[min(colors.count - 1, Int(fraction * Double(colors.count)))]
        }
        canvas.paint(ramp, x: x, y: y)
        let edge = RGB(90, 90, 90)
        canvas.frame(x: Double(x), y: Double(y), width: Double(ColorBar.barWidth), height: Double(height), color: edge)
        let labelX = Double(x + ColorBar.barWidth + ColorBar.tickLength + ColorBar.labelGap)
        let capShift = Font.label.size * 0.36
        for (position, label) in ticks(height: height) {
            let ty = (Double(y) + Double(height) * (1 - position)).rounded(.down)
            let tickY = min(ty, Double(y + height - 1))
            canvas.fill(x: Double(x + ColorBar.barWidth), y: tickY, width: Double(ColorBar.tickLength), height: 1, color: edge)
            canvas.text(label, x: labelX, y: tickY + 0.5 + capShift, font: .label)
        }
        if let caption {
            let labelsWidth = type.maxWidth(ticks(height: height).map(\.label) + (badColor != nil ? ["NaN"] : []), .label)
            let cx = labelX + labelsWidth + Double(ColorBar.captionGap) + Double(type.lineMetrics(.label).ascent)
            let fitted = type.fitted(caption, .label, maxWidth: Double(max(height, 40)))
            canvas.text(fitted, x: cx, y: Double(y) + Double(height) / 2, font: .label, color: RGB(40, 40, 40), align: .center, vertical: true)
        }
        if let badColor {
            let sy = Double(y + height + 10)
            canvas.fill(x: Double(x), y: sy, width: Double(ColorBar.barWidth), height: 12, color: badColor)
            canvas.frame(x: Double(x), y: sy, width: Double(ColorBar.barWidth), height: 12, color: edge)
            canvas.text("NaN", x: labelX, y: sy + 6 + capShift, font: .label)
        }
    }
}

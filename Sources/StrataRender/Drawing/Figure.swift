/// The frame every picture shares: white canvas, margins, the title (bold) with an optional
/// subtitle and notes (grey) at the top, the body below it, and the colour bar to its right.
struct Figure {
    static let margin = 20
    /// Titles may widen the canvas up to this inner width; longer ones are shortened with "…".
    static let maxTitleWidth = 900

    var title: String
    var subtitle: String?
    /// Extra lines about how the data is shown (resampling, clipping), below the subtitle.
    var notes: [String] = []
    var bodyWidth: Int
    var bodyHeight: Int
    var colorBar: ColorBar?
    /// Where beside the body the colour bar starts and how high it is (default: the body's top,
    /// `ColorBar.height(beside: bodyHeight)`).
    var colorBarSpan: (offset: Int, height: Int)?
    /// Draws the body with its top-left corner at the given point.
    var drawBody: (Canvas, Int, Int) throws -> Void

    func render(format: PictureFormat, _ type: Typesetter) throws -> [UInt8] {
        let margin = Figure.margin
        let span = colorBarSpan ?? (0, ColorBar.height(beside: bodyHeight))
        var contentWidth = bodyWidth
        var contentHeight = bodyHeight
        if let colorBar {
            contentWidth += ColorBar.gapBefore + colorBar.width(height: span.height, type)
            contentHeight = max(contentHeight, span.offset + colorBar.totalHeight(height: span.height))
        }
        var lines: [(String, Font, RGB)] = [(title, .title, .black)]
        if let subtitle, !subtitle.isEmpty { lines.append((subtitle, .subtitle, RGB(60, 60, 60))) }
        lines += notes.map { ($0, .label, RGB(110, 110, 110)) }
        let widest = lines.map { type.width($0.0, $0.1) }.max() ?? 0
        let innerWidth = max(contentWidth, min(Int(widest.rounded(.up)), max(contentWidth, Figure.maxTitleWidth)))

        var y = margin
        var baselines: [Int] = []
        for (index, line) in lines.enumerated() {
            let m = type.lineMetrics(line.1)
            y += (index == 0 ? 0 : 3) + m.ascent
            baselines.append(y)
            y += m.descent
        }
        let bodyTop = y + 14
        let canvas = try Canvas(width: innerWidth + 2 * margin, height: bodyTop + contentHeight + margin, format: format)
        for (line, baseline) in zip(lines, baselines) {
            let text = type.fitted(line.0, line.1, maxWidth: Double(innerWidth))
            canvas.text(text, x: Double(margin), y: Double(baseline), font: line.1, color: line.2)
        }
        try drawBody(canvas, margin, bodyTop)
        if let colorBar {
            try colorBar.draw(on: canvas, x: margin + bodyWidth + ColorBar.gapBefore, y: bodyTop + span.offset, height: span.height, type)
        }
        return try canvas.finish()
    }
}

import Foundation
import StrataCore

/// Points in the plane coloured by group, with a legend: an embedding of many inputs coloured by
/// their labels. With `thumbnails`, each point is drawn as a small copy of its input image framed
/// in its group's colour instead of a dot.
///
/// Both axes share one scale (a unit is as long across as up), so distances in the picture are
/// distances in the embedding; the data range is padded by 4 % and centred in a 600 × 600 plot.
/// Points are drawn in order, dots of radius 4 (up to 200 points), 3 (1,000), 2 (5,000) or 1.4;
/// thumbnails 24 (up to 200 points), 16 (1,000), 12 (5,000) or 8 units a side. Group colours are
/// `GroupColors`; the legend lists the groups in order with their point counts, as many as fit
/// beside the plot, then "… and N more".
public struct ScatterPlot: Picture {
    public var title: String
    public var subtitle: String?
    /// Extra lines under the subtitle (how the data was made).
    public var notes: [String]
    public var x: [Double]
    public var y: [Double]
    /// Each point's group, an index into `groups`; nil for a point in no group.
    public var group: [Int?]
    /// Group names, in legend order.
    public var groups: [String]
    /// One image per point, drawn instead of the dots; nil for dots.
    public var thumbnails: [RasterImage]?
    public var xLabel: String
    public var yLabel: String
    /// The legend's heading (e.g. "label").
    public var legendTitle: String

    static let plotSide = 600
    static let legendRow = 16
    static let legendGap = 24
    static let maxLegendText = 220.0

    public init(title: String, subtitle: String? = nil, notes: [String] = [], x: [Double], y: [Double], group: [Int?],
                groups: [String], thumbnails: [RasterImage]? = nil, xLabel: String = "dimension 1",
                yLabel: String = "dimension 2", legendTitle: String = "label") {
        self.title = title
        self.subtitle = subtitle
        self.notes = notes
        self.x = x
        self.y = y
        self.group = group
        self.groups = groups
        self.thumbnails = thumbnails
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.legendTitle = legendTitle
    }

    public func render(format: PictureFormat) throws -> [UInt8] {
        do {
            try validate()
            return try draw(format: format)
        } catch let error as StrataError {
            throw error.located(ErrorLocation(detail: "scatter plot"))
        }
    }

    private func validate() throws {
        guard !x.isEmpty else { throw StrataError(.invalidInput, "no points to draw") }
        guard y.count == x.count, group.count == x.count else {
            throw StrataError(.invalidInput, "\(x.count) x, \(y.count) y and \(group.count) group values; all must be one per point")
        }
        if let i = x.indices.first(where: { !x[$0].isFinite || !y[$0].isFinite }) {
            throw StrataError(.invalidInput, "point \(i) is at (\(x[i]), \(y[i])); coordinates must be finite")
        }
        if let i = group.firstIndex(where: { $0.map { $0 < 0 || $0 >= groups.count } ?? false }) {
            throw StrataError(.invalidInput, "point \(i) is in group \(group[i]!), but there are \(groups.count) groups")
        }
        if let thumbnails {
            guard thumbnails.count == x.count else {
                throw StrataError(.invalidInput, "\(thumbnails.count) thumbnails for \(x.count) points")
            }
            if let i = thumbnails.firstIndex(where: { $0.width < 1 || $0.height < 1 }) {
                throw StrataError(.invalidInput, "thumbnail \(i) is \(thumbnails[i].width)×\(thumbnails[i].height)")
            }
        }
    }

    /// Where each point lands in the plot area (pixels from its top-left corner), and the data
    /// ranges the axes show.
    func layout() -> (positions: [(Double, Double)], xRange: ClosedRange<Double>, yRange: ClosedRange<Double>) {
        let side = Double(Self.plotSide)
        let lowX = x.min()!, highX = x.max()!, lowY = y.min()!, highY = y.max()!
        var span = max(highX - lowX, highY - lowY) * 1.08
        if !(span > 0) { span = max(1, abs(lowX), abs(lowY)) * 0.1 }
        let centreX = (lowX + highX) / 2, centreY = (lowY + highY) / 2
        let xRange = (centreX - span / 2) ... (centreX + span / 2), yRange = (centreY - span / 2) ... (centreY + span / 2)
        let positions = zip(x, y).map { px, py in
            (side * (px - xRange.lowerBound) / span, side * (yRange.upperBound - py) / span)
        }
        return (positions, xRange, yRange)
    }

    /// Dot radius and thumbnail side for `count` points.
    static func markSizes(_ count: Int) -> (radius: Double, thumbnail: Double) {
        switch count {
        case ...200: return (4, 24)
        case ...1000: return (3, 16)
        case ...5000: return (2, 12)
        default: return (1.4, 8)
        }
    }

    private func draw(format: PictureFormat) throws -> [UInt8] {
        let type = try Typesetter()
        let side = Self.plotSide
        let (positions, xRange, yRange) = layout()
        func ticks(_ range: ClosedRange<Double>, flip: Bool) -> [Axes.Tick] {
            let t = NiceTicks.inside(range.lowerBound, range.upperBound, maxCount: 7)
            let span = range.upperBound - range.lowerBound
            return zip(t.values, NumberFormat.ticks(t.values, step: t.step)).map { value, label in
                let fraction = (value - range.lowerBound) / span
                return Axes.Tick(position: Double(side) * (flip ? 1 - fraction : fraction), label: label)
            }
        }
        let axes = Axes(plotWidth: side, plotHeight: side, xTicks: ticks(xRange, flip: false), yTicks: ticks(yRange, flip: true),
                        xLabel: xLabel, yLabel: yLabel)

        // The legend: heading, then one row per group shown (and points in no group, if any).
        var counts = [Int](repeating: 0, count: groups.count)
        var ungrouped = 0
        for g in group {
            if let g { counts[g] += 1 } else { ungrouped += 1 }
        }
        var rows: [(String, RGB)] = groups.indices.map { ("\(groups[$0]) (\(NumberFormat.count(counts[$0])))", GroupColors.color($0, of: groups.count)) }
        if ungrouped > 0 { rows.append(("no label (\(NumberFormat.count(ungrouped)))", GroupColors.none)) }
        let fitting = max(1, side / Self.legendRow - 2)
        if rows.count > fitting {
            let hidden = rows.count - (fitting - 1)
            rows = Array(rows.prefix(fitting - 1)) + [("… and \(hidden) more", RGB(110, 110, 110))]
        }
        let legendText = rows.map { type.fitted($0.0, .label, maxWidth: Self.maxLegendText) }
        let legendWidth = 18 + Int(max(type.maxWidth(legendText + [legendTitle], .label), 40).rounded(.up))

        var notes = self.notes
        if groups.count > 20 { notes.append("\(groups.count) labels: colours repeat after 20") }
        let origin = axes.plotOrigin(type)
        let bodyWidth = axes.bodyWidth(type) + Self.legendGap + legendWidth
        let (radius, thumbnailSide) = Self.markSizes(x.count)
        let thumbnails = self.thumbnails
        let group = self.group, groupCount = groups.count, legendTitle = self.legendTitle
        let figure = Figure(title: title, subtitle: subtitle, notes: notes, bodyWidth: bodyWidth, bodyHeight: axes.bodyHeight(type)) {
            canvas, x0, y0 in
            let px = Double(x0 + origin.x), py = Double(y0 + origin.y)
            func color(_ i: Int) -> RGB { group[i].map { GroupColors.color($0, of: groupCount) } ?? GroupColors.none }
            if let thumbnails {
                for (i, (u, v)) in positions.enumerated() {
                    let image = thumbnails[i]
                    let scale = thumbnailSide / Double(max(image.width, image.height))
                    let w = Double(image.width) * scale, h = Double(image.height) * scale
                    let left = px + u - w / 2, top = py + v - h / 2
                    canvas.fill(x: left - 1, y: top - 1, width: w + 2, height: h + 2, color: color(i))
                    canvas.paint(try Raster.image(image), x: left, y: top, width: w, height: h)
                }
            } else {
                for (i, (u, v)) in positions.enumerated() { canvas.disc(x: px + u, y: py + v, radius: radius, color: color(i)) }
            }
            axes.draw(on: canvas, x0: x0, y0: y0, type)
            // Legend.
            let lx = Double(x0 + axes.bodyWidth(type) + ScatterPlot.legendGap)
            var baseline = py + 11
            canvas.text(legendTitle, x: lx, y: baseline, font: .label, color: RGB(40, 40, 40))
            for (row, text) in zip(rows, legendText) {
                baseline += Double(ScatterPlot.legendRow)
                canvas.disc(x: lx + 5, y: baseline - 4, radius: 4.5, color: row.1)
                canvas.text(text, x: lx + 16, y: baseline, font: .label)
            }
        }
        return try figure.render(format: format, type)
    }
}

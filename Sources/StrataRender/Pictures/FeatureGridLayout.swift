import Foundation
import StrataCore

/// Where the tiles of a `FeatureGrid` go: the block-mean reduction, the enlargement factors, the
/// tile size, columns and rows, and whether labels sit above each tile or at the start of each row.
struct FeatureGridLayout {
    static let frameColor = RGB(190, 190, 190)
    static let maxRowLabelWidth = 120.0

    /// Block size of the averaging applied to each map before display (1: none).
    var reduction = 1
    var scaleX = 1
    var scaleY = 1
    var tileWidth = 0
    var tileHeight = 0
    var columns = 1
    var rows = 1
    var gap = 8
    /// Height of the label line above each tile (0 when rows are labelled instead).
    var labelHeight = 0
    /// Width of the row label column (0 when tiles are labelled).
    var rowLabelWidth = 0
    var notes: [String] = []

    var bodyWidth: Int { rowLabelWidth + columns * (tileWidth + gap) - gap + 2 }
    var bodyHeight: Int { rows * (labelHeight + tileHeight + gap) - gap + 2 }

    /// Width the grid aims at, in pixels.
    static let targetWidth = 1500

    init(count: Int, mapHeight: Int, mapWidth: Int, labels: [String], _ type: Typesetter) throws {
        // Columns first, from the count and the maps' aspect: a little wider than tall overall.
        let aspect = Double(mapHeight) / Double(mapWidth)
        columns = FeatureGridLayout.columnCount(count: count, ideal: (1.4 * Double(count) * aspect).squareRoot())
        rows = (count + columns - 1) / columns
        // The tile's longest side that fills the target width, within 20…256 px.
        let tileWidthGoal = Double(FeatureGridLayout.targetWidth / columns - 8)
        let longest = max(mapHeight, mapWidth)
        // A 1×1 or 2×2 map is a patch of colour or two: 64 px says it all.
        var target = min(longest <= 2 ? 64 : 256, max(20, Int(tileWidthGoal * max(1, aspect))))
        // Maps up to twice the target are shown whole; larger ones are averaged down to it.
        var reduction = longest > 2 * target ? (longest + 2 * target - 1) / (2 * target) : 1
        // Long labels are shortened to their tile; what decides is room for four digits.
        let labelWidth = Int(min(type.maxWidth(labels, .label), type.width("0000", .label)).rounded(.up))
        while true {
            place(count: count, mapHeight: mapHeight, mapWidth: mapWidth, target: target, reduction: reduction, labelWidth: labelWidth, labels: labels, type)
            let fits = bodyWidth <= RenderLimits.maxSide - 600 && bodyHeight <= RenderLimits.maxSide - 300
                && bodyWidth * bodyHeight <= RenderLimits.maxPixels / 2
            if fits { break }
            // Too large: enlarge less first, then average over larger blocks.
            if max(scaleX, scaleY) > 1 && target > 1 {
                target = max(1, target * 3 / 4)
                continue
            }
            guard (mapHeight + reduction - 1) / reduction > 1 || (mapWidth + reduction - 1) / reduction > 1 else {
                throw StrataError(.invalidInput, "\(count) tiles of \(mapHeight)×\(mapWidth) do not fit in a \(RenderLimits.maxSide) px picture even at one pixel a tile")
            }
            reduction *= 2
        }
        if reduction > 1 {
            notes.append("maps averaged over \(min(reduction, mapHeight))×\(min(reduction, mapWidth)) blocks for display (\(mapHeight)×\(mapWidth) → \((mapHeight + reduction - 1) / reduction)×\((mapWidth + reduction - 1) / reduction))")
        }
        if scaleX != scaleY {
            let ratio = NumberFormat.compact(Double(max(scaleX, scaleY)) / Double(min(scaleX, scaleY)))
            notes.append("tiles stretched \(ratio)× \(scaleX > scaleY ? "horizontally" : "vertically") to stay visible")
        }
    }

    private mutating func place(
        count: Int, mapHeight: Int, mapWidth: Int, target: Int, reduction: Int, labelWidth: Int, labels: [String], _ type: Typesetter
    ) {
        self.reduction = reduction
        let h = (mapHeight + reduction - 1) / reduction, w = (mapWidth + reduction - 1) / reduction
        let scale = max(1, Int((Double(target) / Double(max(h, w))).rounded()))
        scaleX = scale
        scaleY = scale
        // Keep the short side of extreme-aspect maps at least a quarter of the target.
        let minSide = max(8, target / 4)
        if h * scaleY < minSide { scaleY = (minSide + h - 1) / h }
        if w * scaleX < minSide { scaleX = (minSide + w - 1) / w }
        tileWidth = w * scaleX
        tileHeight = h * scaleY
        gap = tileWidth >= 48 ? 8 : 4
        if tileWidth + gap - 4 >= labelWidth {
            labelHeight = type.lineHeight(.label) + 2
            rowLabelWidth = 0
        } else {
            labelHeight = 0
            let rowLabels = (0..<rows).map { labels[$0 * columns] }
            rowLabelWidth = Int(min(type.maxWidth(rowLabels, .label), FeatureGridLayout.maxRowLabelWidth).rounded(.up)) + 8
        }
    }

    /// A column count near `ideal` (within 0.75…1.5 times it) that reads well: one that divides
    /// `count` and is a multiple of 8 (64 columns for 2048 channels: rows start at 0, 64, 128, …),
    /// else one that divides `count`, else a multiple of 8, else the nearest to `ideal`.
    static func columnCount(count: Int, ideal: Double) -> Int {
        let nearest = min(count, max(1, Int(ideal.rounded())))
        let low = max(1, Int((ideal * 0.75).rounded(.up))), high = min(count, Int((ideal * 1.5).rounded(.down)))
        guard low <= high else { return nearest }
        let candidates = Array(low...high)
        func closest(_ pick: (Int) -> Bool) -> Int? {
            candidates.filter(pick).min { abs(Double($0) - ideal) < abs(Double($1) - ideal) }
        }
        return closest { count % $0 == 0 && $0 % 8 == 0 }
            ?? closest { count % $0 == 0 }
            ?? closest { $0 % 8 == 0 }
            ?? nearest
    }

    /// The top-left corner of tile `index`'s map within the body.
    func tileOrigin(_ index: Int) -> (x: Int, y: Int) {
        let row = index / columns, column = index % columns
        return (1 + rowLabelWidth + column * (tileWidth + gap), 1 + row * (labelHeight + tileHeight + gap) + labelHeight)
    }

    /// Draws the tile labels (centred above each tile) or the row labels (right-aligned at the
    /// start of each row, the first tile's label).
    func drawLabels(_ labels: [String], on canvas: Canvas, x0: Int, y0: Int, _ type: Typesetter) {
        let descent = type.lineMetrics(.label).descent
        let color = RGB(50, 50, 50)
        if labelHeight > 0 {
            for (index, label) in labels.enumerated() {
                let o = tileOrigin(index)
                let text = type.fitted(label, .label, maxWidth: Double(tileWidth + gap - 2))
                canvas.text(text, x: Double(x0 + o.x) + Double(tileWidth) / 2, y: Double(y0 + o.y - descent - 2), font: .label, color: color, align: .center)
            }
        } else {
            for row in 0..<rows {
                let o = tileOrigin(row * columns)
                let baseline = Double(y0 + o.y) + Double(tileHeight) / 2 + Font.label.size * 0.36
                let text = type.fitted(labels[row * columns], .label, maxWidth: FeatureGridLayout.maxRowLabelWidth)
                canvas.text(text, x: Double(x0 + rowLabelWidth - 6), y: baseline, font: .label, color: color, align: .right)
            }
        }
    }
}

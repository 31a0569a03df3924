/// How a map of `rows × columns` values is shown: averaged over blocks when it is larger than
/// its display, then each value enlarged to a `scaleX × scaleY` block of pixels.
struct MapScaling {
    var rowBlock = 1
    var columnBlock = 1
    var scaleX = 1
    var scaleY = 1
    var displayWidth = 0
    var displayHeight = 0
    var notes: [String] = []

    /// Square cells (a map's pixels keep their aspect): the longest side shown near `target`
    /// pixels (at most `maxSide`), the short side stretched to at least `minSide` if needed.
    static func uniform(rows: Int, columns: Int, target: Int, maxSide: Int, minSide: Int) -> MapScaling {
        var s = MapScaling()
        let longest = max(rows, columns)
        let block = longest > maxSide ? (longest + maxSide - 1) / maxSide : 1
        s.rowBlock = min(block, rows)
        s.columnBlock = min(block, columns)
        let h = (rows + block - 1) / block, w = (columns + block - 1) / block
        let scale = max(1, min(64, Int((Double(target) / Double(max(h, w))).rounded())))
        s.scaleX = scale
        s.scaleY = scale
        if h * scale < minSide { s.scaleY = (minSide + h - 1) / h }
        if w * scale < minSide { s.scaleX = (minSide + w - 1) / w }
        s.finish(rows: rows, columns: columns, h: h, w: w)
        if s.scaleX != s.scaleY {
            let ratio = NumberFormat.compact(Double(max(s.scaleX, s.scaleY)) / Double(min(s.scaleX, s.scaleY)))
            s.notes.append("cells stretched \(ratio)× \(s.scaleX > s.scaleY ? "horizontally" : "vertically") to stay visible")
        }
        return s
    }

    /// Each axis on its own (a heatmap's cells need not be square): about `target` pixels a side,
    /// cells at most `maxCell` pixels, sides beyond `maxSide` values averaged over blocks.
    static func independent(rows: Int, columns: Int, target: Int, maxSide: Int, maxCell: Int) -> MapScaling {
        var s = MapScaling()
        func axis(_ n: Int) -> (block: Int, scale: Int) {
            if n > maxSide { return ((n + maxSide - 1) / maxSide, 1) }
            return (1, max(1, min(maxCell, target / n)))
        }
        (s.rowBlock, s.scaleY) = axis(rows)
        (s.columnBlock, s.scaleX) = axis(columns)
        s.finish(rows: rows, columns: columns, h: (rows + s.rowBlock - 1) / s.rowBlock, w: (columns + s.columnBlock - 1) / s.columnBlock)
        return s
    }

    private mutating func finish(rows: Int, columns: Int, h: Int, w: Int) {
        displayWidth = w * scaleX
        displayHeight = h * scaleY
        if rowBlock > 1 || columnBlock > 1 {
            notes.append("values averaged over \(rowBlock)×\(columnBlock) blocks for display (\(rows)×\(columns) → \(h)×\(w))")
        }
    }

    /// The reduced map.
    func reduce(_ map: FloatMap) -> FloatMap { map.blockMeans(rows: rowBlock, columns: columnBlock) }

    /// Pixel position (from the display's left or top edge) of the centre of original index `i`
    /// along an axis of `count` values averaged in blocks of `block`.
    static func position(of i: Int, count: Int, block: Int, display: Int) -> Double {
        let covered = Double((count + block - 1) / block * block)
        return (Double(i) + 0.5) / covered * Double(display)
    }
}

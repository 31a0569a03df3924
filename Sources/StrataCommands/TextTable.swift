/// Left-aligned text columns separated by two spaces; numeric columns may be right-aligned.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    /// Columns (by index) aligned to the right.
    var rightAligned: Set<Int> = []

    init(_ header: [String], rightAligned: Set<Int> = []) {
        self.header = header
        self.rightAligned = rightAligned
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    var lines: [String] {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        return all.map { row in
            var cells: [String] = []
            for (i, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
                let last = i == row.count - 1
                cells.append(rightAligned.contains(i) ? pad + cell : (last ? cell : cell + pad))
            }
            return cells.joined(separator: "  ")
        }
    }
}

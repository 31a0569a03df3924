/// A square sparse matrix in compressed sparse row form, double values: t-SNE's joint probabilities
/// P and UMAP's fuzzy graph. Within a row, columns are strictly increasing.
struct SparseMatrix: Sendable {
    let size: Int
    /// `size + 1` offsets into `columns` and `values`.
    var rowStart: [Int]
    var columns: [Int32]
    var values: [Double]

    var entryCount: Int { values.count }

    /// Builds the matrix from unordered (row, column, value) entries, summing duplicates.
    init(size: Int, rows: [Int32], columns: [Int32], values: [Double]) {
        self.size = size
        var counts = [Int](repeating: 0, count: size + 1)
        for r in rows { counts[Int(r) + 1] += 1 }
        for i in 0 ..< size { counts[i + 1] += counts[i] }
        var order = [Int](repeating: 0, count: rows.count)
        var next = counts
        for (e, r) in rows.enumerated() {
            order[next[Int(r)]] = e
            next[Int(r)] += 1
        }
        var outStart = [Int](repeating: 0, count: size + 1)
        var outColumns: [Int32] = []
        var outValues: [Double] = []
        outColumns.reserveCapacity(rows.count)
        outValues.reserveCapacity(rows.count)
        for i in 0 ..< size {
            let entries = order[counts[i] ..< counts[i + 1]].sorted { columns[$0] != columns[$1] ? columns[$0] < columns[$1] : $0 < $1 }
            var last: Int32 = -1
            for e in entries {
                if columns[e] == last {
                    outValues[outValues.count - 1] += values[e]
                } else {
                    outColumns.append(columns[e])
                    outValues.append(values[e])
                    last = columns[e]
                }
            }
            outStart[i + 1] = outColumns.count
        }
        rowStart = outStart
        self.columns = outColumns
        self.values = outValues
    }

    /// The transpose's entries added to this matrix's: `A + Aᵀ`.
    func plusTranspose() -> SparseMatrix {
        var rows: [Int32] = [], cols: [Int32] = [], vals: [Double] = []
        rows.reserveCapacity(2 * entryCount)
        cols.reserveCapacity(2 * entryCount)
        vals.reserveCapacity(2 * entryCount)
        for i in 0 ..< size {
            for e in rowStart[i] ..< rowStart[i + 1] {
                rows.append(Int32(i)); cols.append(columns[e]); vals.append(values[e])
                rows.append(columns[e]); cols.append(Int32(i)); vals.append(values[e])
            }
        }
        return SparseMatrix(size: size, rows: rows, columns: cols, values: vals)
    }

    /// The value at (row, column), 0 when absent (binary search in the row).
    func value(row: Int, column: Int32) -> Double {
        var low = rowStart[row], high = rowStart[row + 1]
        while low < high {
            let mid = (low + high) / 2
            if columns[mid] < column { low = mid + 1 } else { high = mid }
        }
        return low < rowStart[row + 1] && columns[low] == column ? values[low] : 0
    }
}

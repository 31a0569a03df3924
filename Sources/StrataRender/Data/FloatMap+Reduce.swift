extension FloatMap {
    /// The map shrunk by averaging `rows × columns` blocks (the last block of a row or column may be
    /// smaller): each output value is the mean, in double, of the block's non-NaN values, NaN when
    /// all are NaN. How pictures show maps larger than their display size.
    func blockMeans(rows: Int, columns: Int) -> FloatMap {
        precondition(rows >= 1 && columns >= 1, "block sizes are positive")
        if rows == 1 && columns == 1 { return self }
        let outHeight = (height + rows - 1) / rows, outWidth = (width + columns - 1) / columns
        var sums = [Double](repeating: 0, count: outHeight * outWidth)
        var counts = [Int](repeating: 0, count: outHeight * outWidth)
        for r in 0..<height {
            let base = (r / rows) * outWidth
            for c in 0..<width {
                let v = values[r * width + c]
                if v.isNaN { continue }
                sums[base + c / columns] += Double(v)
                counts[base + c / columns] += 1
            }
        }
        let means = zip(sums, counts).map { $1 == 0 ? Float.nan : Float($0 / Double($1)) }
        return FloatMap(checkedHeight: outHeight, width: outWidth, values: means)
    }
}

/// The repulsive forces of t-SNE by the Barnes–Hut approximation (van der Maaten 2014), as
/// openTSNE's `estimate_negative_gradient_bh` computes them: a quadtree (2-D) or octree (3-D) over
/// the points, rebuilt every iteration; a cell of side `s` whose centre of mass is at distance `d`
/// from a point stands for all its points when it is a leaf or `s / d < θ` (θ = 0.5), contributing
/// `m·q` to Z and `m·q²·(y_i − centre)` to `r_i` with `q = 1 / (1 + d²)` and `m` its point count (less
/// the point itself when it is in that cell). Used in 3-D (where interpolation grids would grow
/// with the cube of the span) and for 2-D embeddings of fewer than `TSNE.interpolationFrom` points.
struct BarnesHutRepulsion: TSNERepulsion {
    let dims: Int
    let threads: Int
    var theta = 0.5
    /// Cells are not split below this depth; coincident points share a leaf.
    static let maxDepth = 32

    private struct Cell {
        var center: SIMD4<Double>
        var halfWidth: Double
        var massSum = SIMD4<Double>()
        var count = 0
        /// Index of the first of 2^dims children, or −1 for a leaf.
        var firstChild: Int32 = -1
        /// The point a leaf holds (the first, when coincident points share it); −1 when empty.
        var point: Int32 = -1
        var depth: Int32
    }

    mutating func repulsion(_ y: UnsafePointer<Double>, count n: Int, into r: UnsafeMutablePointer<Double>) -> Double {
        let dims = dims, theta = theta
        let children = 1 << dims
        func position(_ i: Int) -> SIMD4<Double> {
            var p = SIMD4<Double>()
            for c in 0 ..< dims { p[c] = y[i * dims + c] }
            return p
        }
        var low = SIMD4<Double>(repeating: .infinity), high = SIMD4<Double>(repeating: -.infinity)
        for i in 0 ..< n {
            let p = position(i)
            low = pointwiseMin(low, p)
            high = pointwiseMax(high, p)
        }
        for c in dims ..< 4 {
            low[c] = 0
            high[c] = 0
        }
        var half = 0.0
        for c in 0 ..< dims { half = max(half, (high[c] - low[c]) / 2) }
        half = half * (1 + 1e-9) + 1e-9
        var cells = [Cell(center: (low + high) / 2, halfWidth: half, depth: 0)]
        cells.reserveCapacity(2 * n + 1)
        var leafOf = [Int32](repeating: 0, count: n)

        func childIndex(_ cell: Cell, _ p: SIMD4<Double>) -> Int {
            var index = 0
            for c in 0 ..< dims where p[c] > cell.center[c] { index |= 1 << c }
            return index
        }
        for i in 0 ..< n {
            let p = position(i)
            var node = 0
            while true {
                if cells[node].firstChild < 0 {
                    if cells[node].count == 0 {
                        cells[node].point = Int32(i)
                        cells[node].count = 1
                        cells[node].massSum = p
                        break
                    }
                    let resident = Int(cells[node].point)
                    if cells[node].depth >= Self.maxDepth || position(resident) == p {
                        cells[node].count += 1
                        cells[node].massSum += p
                        break
                    }
                    // Split the leaf and move its points (all at the resident's position) down.
                    let first = cells.count
                    let parent = cells[node]
                    for child in 0 ..< children {
                        var center = parent.center
                        for c in 0 ..< dims { center[c] += (child >> c & 1 == 1 ? 0.5 : -0.5) * parent.halfWidth }
                        cells.append(Cell(center: center, halfWidth: parent.halfWidth / 2, depth: parent.depth + 1))
                    }
                    let moved = first + childIndex(parent, position(resident))
                    cells[moved].point = parent.point
                    cells[moved].count = parent.count
                    cells[moved].massSum = parent.massSum
                    cells[node].firstChild = Int32(first)
                    cells[node].point = -1
                }
                cells[node].count += 1
                cells[node].massSum += p
                node = Int(cells[node].firstChild) + childIndex(cells[node], p)
            }
        }

        for i in 0 ..< n {
            let p = position(i)
            var node = 0
            while cells[node].firstChild >= 0 { node = Int(cells[node].firstChild) + childIndex(cells[node], p) }
            leafOf[i] = Int32(node)
        }

        var partial = [Double](repeating: 0, count: n)
        cells.withUnsafeBufferPointer { cells in
            partial.withUnsafeMutableBufferPointer { z in
                Parallel.forEachChunk(count: n, chunkSize: 64, threads: threads) { _, range in
                    var stack: [Int32] = []
                    for i in range {
                        let p = position(i)
                        var sum = 0.0
                        var force = SIMD4<Double>()
                        stack.removeAll(keepingCapacity: true)
                        stack.append(0)
                        while let top = stack.popLast() {
                            let cell = cells[Int(top)]
                            guard cell.count > 0 else { continue }
                            let mass = cell.massSum / Double(cell.count)
                            let diff = p - mass
                            let squared = (diff * diff).sum()
                            let isLeaf = cell.firstChild < 0
                            if isLeaf || 2 * cell.halfWidth < theta * (squared + 1e-300).squareRoot() {
                                var m = Double(cell.count)
                                if isLeaf && leafOf[i] == top { m -= 1 }
                                guard m > 0 else { continue }
                                let q = 1 / (1 + squared)
                                sum += m * q
                                force += (m * q * q) * diff
                            } else {
                                for child in 0 ..< Int32(children) { stack.append(cell.firstChild + child) }
                            }
                        }
                        z[i] = sum
                        for c in 0 ..< dims { r[i * dims + c] = force[c] }
                    }
                }
            }
        }
        return partial.reduce(0, +)
    }
}

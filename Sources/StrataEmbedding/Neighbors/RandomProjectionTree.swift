/// One random projection tree over the rows of a feature matrix, as pynndescent builds them for
/// Euclidean data: a node splits its rows by the hyperplane halfway between two of them picked at
/// random (normal `a − b`, through `(a + b) / 2`); rows on the plane (within 1e-8) and nodes whose
/// split leaves a side empty go to a random side; nodes of at most `leafSize` rows are leaves.
/// Only the leaves are kept: each is a range of `order`.
struct RandomProjectionTree {
    /// The rows, permuted so that every leaf is a contiguous range.
    var order: [Int32]
    /// The leaves, as ranges of `order`.
    var leaves: [Range<Int>]

    init(rows n: Int, columns d: Int, values: UnsafePointer<Float>, leafSize: Int, random: inout SeededRandom) {
        order = (0 ..< n).map { Int32($0) }
        leaves = []
        var pending: [Range<Int>] = [0 ..< n]
        var normal = [Float](repeating: 0, count: d)
        var side = [Bool](repeating: false, count: n)
        while let node = pending.popLast() {
            if node.count <= max(1, leafSize) {
                leaves.append(node)
                continue
            }
            let a = Int(order[node.lowerBound + random.below(node.count)])
            var b = Int(order[node.lowerBound + random.below(node.count - 1)])
            if b == a { b = Int(order[node.upperBound - 1]) }
            var offset: Float = 0
            for j in 0 ..< d {
                let pa = values[a * d + j], pb = values[b * d + j]
                normal[j] = pa - pb
                offset -= normal[j] * (pa + pb) / 2
            }
            var leftCount = 0
            for position in node {
                let row = Int(order[position])
                var margin = offset
                for j in 0 ..< d { margin += normal[j] * values[row * d + j] }
                let left: Bool
                if margin > 1e-8 {
                    left = true
                } else if margin < -1e-8 {
                    left = false
                } else {
                    left = random.below(2) == 0
                }
                side[position] = left
                if left { leftCount += 1 }
            }
            if leftCount == 0 || leftCount == node.count {
                leftCount = 0
                for position in node {
                    side[position] = random.below(2) == 0
                    if side[position] { leftCount += 1 }
                }
                if leftCount == 0 || leftCount == node.count {
                    // Every coin came up the same: halve the node as it is.
                    let middle = node.lowerBound + node.count / 2
                    pending.append(node.lowerBound ..< middle)
                    pending.append(middle ..< node.upperBound)
                    continue
                }
            }
            // Stable partition: left rows first.
            let rows = node.map { order[$0] }
            let sides = node.map { side[$0] }
            var l = node.lowerBound, r = node.lowerBound + leftCount
            for (row, left) in zip(rows, sides) {
                if left {
                    order[l] = row
                    l += 1
                } else {
                    order[r] = row
                    r += 1
                }
            }
            pending.append(node.lowerBound + leftCount ..< node.upperBound)
            pending.append(node.lowerBound ..< node.lowerBound + leftCount)
        }
    }
}

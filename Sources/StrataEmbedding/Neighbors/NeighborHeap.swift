/// Fixed-size max-heaps of (squared distance, index, flag) for every row: the k nearest candidates
/// seen so far, the farthest at the root. NN-descent's "new" flag marks entries not yet joined.
struct NeighborHeaps {
    let count: Int
    let k: Int
    var indices: [Int32]
    var distances: [Float]
    var isNew: [Bool]

    init(count: Int, k: Int) {
        self.count = count
        self.k = k
        indices = [Int32](repeating: -1, count: count * k)
        distances = [Float](repeating: .infinity, count: count * k)
        isNew = [Bool](repeating: false, count: count * k)
    }

    /// The distance an entry must beat to enter row `row`'s heap.
    @inline(__always)
    func threshold(_ row: Int) -> Float { distances[row * k] }

    /// Offers `index` at squared distance `distance` to row `row`; true when it entered.
    @discardableResult
    mutating func push(_ row: Int, _ index: Int32, _ distance: Float, isNew flag: Bool = true) -> Bool {
        indices.withUnsafeMutableBufferPointer { idx in
            distances.withUnsafeMutableBufferPointer { dist in
                isNew.withUnsafeMutableBufferPointer { fresh in
                    Self.push(idx.baseAddress! + row * k, dist.baseAddress! + row * k, fresh.baseAddress! + row * k, k, index, distance, flag)
                }
            }
        }
    }

    /// The heap push on one row's storage (also used on raw pointers by parallel code that owns the row).
    @inline(__always)
    static func push(_ idx: UnsafeMutablePointer<Int32>, _ dist: UnsafeMutablePointer<Float>, _ fresh: UnsafeMutablePointer<Bool>,
                     _ k: Int, _ index: Int32, _ distance: Float, _ flag: Bool) -> Bool {
        // Candidates are ordered by (distance, index), so the heap ends up holding the k smallest
        // offered whatever order they arrived in.
        guard after(dist[0], idx[0], distance, index) else { return false }
        for s in 0 ..< k where idx[s] == index { return false }
        var i = 0
        while true {
            let left = 2 * i + 1, right = left + 1
            var target = i
            var targetDistance = distance, targetIndex = index
            if left < k, after(dist[left], idx[left], targetDistance, targetIndex) {
                target = left
                targetDistance = dist[left]
                targetIndex = idx[left]
            }
            if right < k, after(dist[right], idx[right], targetDistance, targetIndex) {
                target = right
            }
            if target == i { break }
            dist[i] = dist[target]
            idx[i] = idx[target]
            fresh[i] = fresh[target]
            i = target
        }
        dist[i] = distance
        idx[i] = index
        fresh[i] = flag
        return true
    }

    /// Heap order: farther first, the larger index first on equal distances (an empty slot, index
    /// −1 at infinity, comes before every real candidate).
    @inline(__always)
    static func after(_ d1: Float, _ i1: Int32, _ d2: Float, _ i2: Int32) -> Bool {
        d1 > d2 || (d1 == d2 && (i1 < 0 ? i2 >= 0 : i2 >= 0 && i1 > i2))
    }

    /// Each row sorted nearest first (ties: smaller index first), as a `NeighborGraph` of
    /// Euclidean distances.
    func sortedGraph() -> NeighborGraph {
        var outIndices = [Int32](repeating: 0, count: count * k)
        var outDistances = [Float](repeating: 0, count: count * k)
        for row in 0 ..< count {
            let order = (0 ..< k).sorted { a, b in
                let da = distances[row * k + a], db = distances[row * k + b]
                return da != db ? da < db : indices[row * k + a] < indices[row * k + b]
            }
            for (slot, s) in order.enumerated() {
                outIndices[row * k + slot] = indices[row * k + s]
                outDistances[row * k + slot] = distances[row * k + s].squareRoot()
            }
        }
        return NeighborGraph(count: count, k: k, indices: outIndices, distances: outDistances)
    }
}

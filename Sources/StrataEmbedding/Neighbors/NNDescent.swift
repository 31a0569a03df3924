import Foundation
import StrataCore

/// Approximate k nearest neighbours by NN-descent (Dong, Charikar and Li 2011) started from a forest
/// of random projection trees, with umap-learn's settings for pynndescent: `min(64, 5 + round(√N / 20))`
/// trees with leaves of `max(10, k)` rows, at most `max(5, round(log₂ N))` iterations, 60 candidates,
/// stopping once an iteration improves fewer than `0.001 · k · N` entries.
///
/// Every row's neighbour heap starts from the rows sharing a leaf with it (then random rows, when
/// the leaves gave fewer than k). Each iteration samples, per row, up to 60 "new" candidates
/// (neighbours not yet joined, and rows that have it as a new neighbour) and 60 "old" ones, chosen
/// by the smallest values of a hash of (seed, iteration, edge), and offers every new–new and new–old
/// pair to both rows' heaps (the local join). Work runs in parallel over fixed chunks of rows and
/// the heaps are updated in chunk order, so the result depends on the seed alone, not on the
/// thread count.
enum NNDescent {
    static let maxCandidates = 60
    static let delta: Float = 0.001

    static func search(_ x: FeatureMatrix, k: Int, seed: UInt64, threads: Int, progress: EmbeddingProgressHandler? = nil) throws -> NeighborGraph {
        let n = x.rows, d = x.columns
        precondition(k >= 1 && k < n, "NN-descent: 1 ≤ k < N")
        let trees = min(64, 5 + Int((Double(n).squareRoot() / 20).rounded()))
        let iterations = max(5, Int(log2(Double(n)).rounded()))
        let leafSize = max(10, k)
        let bytes = n * (k * 9 + 2 * maxCandidates * 12)
        try MemoryLimit.reserve(bytes, for: "NN-descent's heaps for \(n) rows")
        defer { MemoryLimit.release(bytes) }

        var heaps = NeighborHeaps(count: n, k: k)
        try x.values.withUnsafeBufferPointer { v in
            let base = v.baseAddress!
            // Leaves of the forest: the pairs in each leaf, measured in parallel, tree by tree.
            for t in 0 ..< trees {
                var random = SeededRandom(seed: seed, stream: UInt64(t))
                let tree = RandomProjectionTree(rows: n, columns: d, values: base, leafSize: leafSize, random: &random)
                var lists = [[Update]](repeating: [], count: (tree.leaves.count + 63) / 64)
                lists.withUnsafeMutableBufferPointer { out in
                    Parallel.forEachChunk(count: tree.leaves.count, chunkSize: 64, threads: threads) { chunk, range in
                        var updates: [Update] = []
                        for leaf in tree.leaves[range] {
                            for p in leaf {
                                let a = tree.order[p]
                                for q in (p + 1) ..< leaf.upperBound {
                                    let b = tree.order[q]
                                    updates.append(Update(a: a, b: b, distance: squaredDistance(base + Int(a) * d, base + Int(b) * d, d)))
                                }
                            }
                        }
                        out[chunk] = updates
                    }
                }
                _ = apply(lists, to: &heaps, threads: threads, flag: true)
                progress?(EmbeddingProgress(phase: "random projection trees", done: t + 1, total: trees))
            }
            fillRandomly(&heaps, base: base, d: d, seed: seed)
            for iteration in 0 ..< iterations {
                let improved = try descend(&heaps, base: base, d: d, seed: SeededRandom.hash(seed, UInt64(iteration) &+ 0x5EED), threads: threads)
                progress?(EmbeddingProgress(phase: "NN-descent", done: iteration + 1, total: iterations))
                if Float(improved) <= delta * Float(k) * Float(n) { break }
            }
        }
        return heaps.sortedGraph()
    }

    /// One candidate pair and its squared distance, offered to both rows.
    struct Update {
        var a: Int32
        var b: Int32
        var distance: Float
    }

    /// Offers every update to both of its rows, in list order; returns how many entries changed.
    /// Rows are split between threads, each thread reading all lists, so every row sees its updates
    /// in the same order whatever the thread count.
    static func apply(_ lists: [[Update]], to heaps: inout NeighborHeaps, threads: Int, flag: Bool) -> Int {
        let n = heaps.count, k = heaps.k
        let parts = max(1, min(threads, n))
        var counts = [Int](repeating: 0, count: parts)
        let span = (n + parts - 1) / parts
        heaps.indices.withUnsafeMutableBufferPointer { idx in
            heaps.distances.withUnsafeMutableBufferPointer { dist in
                heaps.isNew.withUnsafeMutableBufferPointer { fresh in
                    counts.withUnsafeMutableBufferPointer { out in
                        Parallel.forEachChunk(count: parts, chunkSize: 1, threads: threads) { part, _ in
                            let low = Int32(part * span), high = Int32(min(n, (part + 1) * span))
                            var changed = 0
                            for list in lists {
                                for u in list {
                                    if u.a >= low && u.a < high {
                                        let row = Int(u.a) * k
                                        if NeighborHeaps.push(idx.baseAddress! + row, dist.baseAddress! + row, fresh.baseAddress! + row, k, u.b, u.distance, flag) {
                                            changed += 1
                                        }
                                    }
                                    if u.b >= low && u.b < high {
                                        let row = Int(u.b) * k
                                        if NeighborHeaps.push(idx.baseAddress! + row, dist.baseAddress! + row, fresh.baseAddress! + row, k, u.a, u.distance, flag) {
                                            changed += 1
                                        }
                                    }
                                }
                            }
                            out[part] = changed
                        }
                    }
                }
            }
        }
        return counts.reduce(0, +)
    }

    /// Fills the empty slots left after the trees with random other rows.
    static func fillRandomly(_ heaps: inout NeighborHeaps, base: UnsafePointer<Float>, d: Int, seed: UInt64) {
        let n = heaps.count, k = heaps.k
        for i in 0 ..< n where heaps.indices[i * k ..< (i + 1) * k].contains(-1) {
            var random = SeededRandom(seed: seed ^ 0xF111, stream: UInt64(i))
            var attempts = 0
            while heaps.indices[i * k ..< (i + 1) * k].contains(-1) && attempts < 64 * k {
                attempts += 1
                let j = random.below(n)
                if j == i { continue }
                heaps.push(i, Int32(j), squaredDistance(base + i * d, base + j * d, d), isNew: true)
            }
        }
    }

    /// One NN-descent iteration; returns the number of heap entries that changed.
    static func descend(_ heaps: inout NeighborHeaps, base: UnsafePointer<Float>, d: Int, seed: UInt64, threads: Int) throws -> Int {
        let n = heaps.count, k = heaps.k, m = maxCandidates
        var newCandidates = [Int32](repeating: -1, count: n * m)
        var newPriority = [UInt64](repeating: .max, count: n * m)
        var oldCandidates = [Int32](repeating: -1, count: n * m)
        var oldPriority = [UInt64](repeating: .max, count: n * m)
        let parts = max(1, min(threads, n))
        let span = (n + parts - 1) / parts
        // Candidates: forward and reverse neighbours, the m of smallest priority per row.
        heaps.indices.withUnsafeBufferPointer { idx in
            heaps.isNew.withUnsafeBufferPointer { fresh in
                newCandidates.withUnsafeMutableBufferPointer { nc in
                    newPriority.withUnsafeMutableBufferPointer { np in
                        oldCandidates.withUnsafeMutableBufferPointer { oc in
                            oldPriority.withUnsafeMutableBufferPointer { op in
                                Parallel.forEachChunk(count: parts, chunkSize: 1, threads: threads) { part, _ in
                                    let low = part * span, high = min(n, (part + 1) * span)
                                    for i in 0 ..< n {
                                        for s in 0 ..< k {
                                            let j = Int(idx[i * k + s])
                                            guard j >= 0 else { continue }
                                            let priority = SeededRandom.hash(seed, UInt64(i) << 32 | UInt64(j))
                                            let (c, p) = fresh[i * k + s] ? (nc.baseAddress!, np.baseAddress!) : (oc.baseAddress!, op.baseAddress!)
                                            if i >= low && i < high { offerCandidate(c + i * m, p + i * m, m, Int32(j), priority) }
                                            if j >= low && j < high { offerCandidate(c + j * m, p + j * m, m, Int32(i), priority) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Sampled new neighbours are joined now: they become old.
        for i in 0 ..< n {
            for s in 0 ..< k where heaps.isNew[i * k + s] {
                let j = heaps.indices[i * k + s]
                if newCandidates[i * m ..< (i + 1) * m].contains(j) { heaps.isNew[i * k + s] = false }
            }
        }
        // Local join, in rounds of rows so the pending updates stay small and later rounds see
        // the thresholds earlier rounds improved.
        var changed = 0
        let round = 4096, chunkSize = 32
        var start = 0
        while start < n {
            let rows = min(round, n - start)
            var lists = [[Update]](repeating: [], count: (rows + chunkSize - 1) / chunkSize)
            let thresholds = heaps.distances
            lists.withUnsafeMutableBufferPointer { out in
                thresholds.withUnsafeBufferPointer { thr in
                    newCandidates.withUnsafeBufferPointer { nc in
                        oldCandidates.withUnsafeBufferPointer { oc in
                            Parallel.forEachChunk(count: rows, chunkSize: chunkSize, threads: threads) { chunk, range in
                                var updates: [Update] = []
                                for r in range {
                                    let i = start + r
                                    let fresh = nc[i * m ..< (i + 1) * m].filter { $0 >= 0 }
                                    let old = oc[i * m ..< (i + 1) * m].filter { $0 >= 0 }
                                    for (position, a) in fresh.enumerated() {
                                        let pa = base + Int(a) * d, ta = thr[Int(a) * k]
                                        for b in fresh[(position + 1)...] {
                                            let distance = squaredDistance(pa, base + Int(b) * d, d)
                                            if distance < ta || distance < thr[Int(b) * k] { updates.append(Update(a: a, b: b, distance: distance)) }
                                        }
                                        for b in old where b != a {
                                            let distance = squaredDistance(pa, base + Int(b) * d, d)
                                            if distance < ta || distance < thr[Int(b) * k] { updates.append(Update(a: a, b: b, distance: distance)) }
                                        }
                                    }
                                }
                                out[chunk] = updates
                            }
                        }
                    }
                }
            }
            changed += apply(lists, to: &heaps, threads: threads, flag: true)
            start += rows
        }
        return changed
    }

    /// Keeps `index` among a row's `m` candidates when its priority is among the m smallest
    /// (a max-heap on priority; duplicates ignored).
    @inline(__always)
    static func offerCandidate(_ c: UnsafeMutablePointer<Int32>, _ p: UnsafeMutablePointer<UInt64>, _ m: Int, _ index: Int32, _ priority: UInt64) {
        guard priority < p[0] else { return }
        for s in 0 ..< m where c[s] == index { return }
        var i = 0
        while true {
            let left = 2 * i + 1, right = left + 1
            var target = i
            var targetPriority = priority
            if left < m && p[left] > targetPriority {
                target = left
                targetPriority = p[left]
            }
            if right < m && p[right] > targetPriority { target = right }
            if target == i { break }
            p[i] = p[target]
            c[i] = c[target]
            i = target
        }
        p[i] = priority
        c[i] = index
    }
}

import Foundation

/// UMAP's layout optimisation, as umap-learn's `optimize_layout_euclidean` with `move_other=True`
/// (what `fit` uses): stochastic gradient descent over the graph's edges, both directions of each.
///
/// Edge e of weight w is sampled every `w_max / w` epochs (epoch n samples it when its next-sample
/// epoch is ≤ n, then adds that period). A sample pulls its head and tail together along
/// `−2ab·d^(2(b−1)) / (1 + a·d^(2b)) · (y_head − y_tail)` (d² the squared distance; 0 when d = 0) and
/// pushes the head from `⌊(n − next_negative) / (period / 5)⌋` rows drawn uniformly at random (the
/// head itself skipped), each along `2b / ((0.001 + d²)(1 + a·d^(2b))) · (y_head − y_other)` (nothing
/// when d = 0); every gradient coordinate is clipped to ±4 and scaled by the learning rate
/// `α = 1 − n / epochs` of the epoch (1 in the first). Edges are visited in order, one at a time, so
/// the result is a function of the seed alone (umap-learn with a fixed `random_state` is sequential too).
struct UMAPOptimizer {
    let a: Float
    let b: Float
    let negativeSampleRate: Int
    let learningRate: Float
    let epochs: Int

    func optimize(_ y: inout [Float], dims: Int, graph: SparseMatrix, seed: UInt64, progress: EmbeddingProgressHandler?) {
        let n = graph.size
        var heads: [Int32] = [], tails: [Int32] = [], weights: [Double] = []
        heads.reserveCapacity(graph.entryCount)
        tails.reserveCapacity(graph.entryCount)
        for i in 0 ..< n {
            for e in graph.rowStart[i] ..< graph.rowStart[i + 1] {
                heads.append(Int32(i))
                tails.append(graph.columns[e])
                weights.append(graph.values[e])
            }
        }
        let largest = weights.max() ?? 1
        let period = weights.map { $0 > 0 ? Float(Double(epochs) / (Double(epochs) * ($0 / largest))) : -1 }
        let negativePeriod = period.map { $0 / Float(negativeSampleRate) }
        var nextSample = period
        var nextNegative = negativePeriod
        var random = SeededRandom(seed: seed, stream: 0x0971)
        let a = a, b = b
        let edgeCount = heads.count
        y.withUnsafeMutableBufferPointer { yb in
            let y = yb.baseAddress!
            for epoch in 0 ..< epochs {
                let alpha = learningRate * (1 - Float(epoch) / Float(epochs))
                let now = Float(epoch)
                for e in 0 ..< edgeCount where period[e] > 0 && nextSample[e] <= now {
                    let j = Int(heads[e]), k = Int(tails[e])
                    let current = y + j * dims, other = y + k * dims
                    var squared: Float = 0
                    for c in 0 ..< dims {
                        let t = current[c] - other[c]
                        squared += t * t
                    }
                    if squared > 0 {
                        let power = pow(squared, b)
                        let coefficient = -2 * a * b * power / squared / (a * power + 1)
                        for c in 0 ..< dims {
                            let g = clip(coefficient * (current[c] - other[c]))
                            current[c] += g * alpha
                            other[c] -= g * alpha
                        }
                    }
                    nextSample[e] += period[e]
                    let negatives = Int((now - nextNegative[e]) / negativePeriod[e])
                    for _ in 0 ..< max(0, negatives) {
                        let s = random.below(n)
                        if s == j { continue }
                        let sample = y + s * dims
                        var squared: Float = 0
                        for c in 0 ..< dims {
                            let t = current[c] - sample[c]
                            squared += t * t
                        }
                        // A sample at the head's very position exerts no force.
                        guard squared > 0 else { continue }
                        let coefficient = 2 * b / ((0.001 + squared) * (a * pow(squared, b) + 1))
                        for c in 0 ..< dims { current[c] += clip(coefficient * (current[c] - sample[c])) * alpha }
                    }
                    nextNegative[e] += Float(max(0, negatives)) * negativePeriod[e]
                }
                if (epoch + 1) % 10 == 0 || epoch + 1 == epochs {
                    progress?(EmbeddingProgress(phase: "optimisation", done: epoch + 1, total: epochs))
                }
            }
        }
    }

    @inline(__always)
    private func clip(_ v: Float) -> Float { min(4, max(-4, v)) }
}

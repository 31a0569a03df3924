import Foundation
import StrataCore

/// t-distributed stochastic neighbour embedding (van der Maaten and Hinton 2008) with
/// scikit-learn's defaults and schedule.
///
/// 1. Input similarities: `PerplexityAffinities` over each row's `min(N − 1, ⌊3·perplexity⌋ + 1)`
///    nearest neighbours (or over all pairs with the exact gradient).
/// 2. Initialisation: the first `dimensions` principal components (`PCA`), scaled so the first
///    column's standard deviation (population, ddof 0) is 1e-4.
/// 3. Gradient descent on `KL(P‖Q)` with `q_ij = w_ij / Z`, `w_ij = 1 / (1 + ‖y_i − y_j‖²)`: the gradient
///    `4·Σ_j (α·p_ij − q_ij)·w_ij·(y_i − y_j)`, with α = `earlyExaggeration` for the first
///    `earlyExaggerationIterations` iterations (momentum 0.5) and 1 afterwards (momentum 0.8); per
///    coordinate gains (+0.2 where the gradient's sign differs from the last update's, ×0.8 where
///    it agrees, at least 0.01); `update = momentum·update − rate·gains·gradient`; updates and gains
///    restart at the phase change, as scikit-learn's `_gradient_descent` does. The embedding is
///    re-centred after every step (openTSNE does; t-SNE's objective does not depend on it).
///    Every iteration runs (scikit-learn may stop early when progress stalls).
/// 4. The repulsive forces come from every pair (`ExactRepulsion`, N ≤ `exactLimit`), from FFT
///    interpolation (`InterpolationRepulsion`, 2-D, N ≥ `interpolationFrom`) or from a Barnes–Hut tree
///    (`BarnesHutRepulsion`, otherwise); `Gradient` can force one.
///
/// The same seed, input and thread count give the same embedding; in fact every step is also
/// independent of the thread count.
public struct TSNE: Sendable {
    /// How the repulsive forces are computed.
    public enum Gradient: String, Sendable, CaseIterable {
        case automatic = "auto"
        case exact
        case interpolation = "fft"
        case barnesHut = "barnes-hut"
    }

    /// The result of `fit`.
    public struct Result: Sendable {
        /// N × dimensions.
        public var embedding: FeatureMatrix
        /// KL(P‖Q) of the final embedding, with Z computed over every pair when N ≤ 20,000 and by the
        /// gradient's approximation above.
        public var klDivergence: Double
        /// The perplexity used (the one asked for, lowered to (N − 1) / 3 for small N).
        public var perplexity: Double
        public var learningRate: Double
        public var gradient: Gradient
        /// How the neighbours were found (nil with the exact gradient, which uses every pair).
        public var neighbors: NeighborSearch?
    }

    public var dimensions = 2
    public var perplexity = 30.0
    public var earlyExaggeration = 12.0
    public var earlyExaggerationIterations = 250
    /// Total iterations, early exaggeration included.
    public var iterations = 1000
    /// nil: scikit-learn's "auto", `max(N / earlyExaggeration / 4, 50)`.
    public var learningRate: Double?
    public var seed: UInt64 = 0
    public var threads = 1
    public var gradient: Gradient = .automatic
    public var neighborSearch: NeighborSearch = .automatic

    /// Up to this many points the automatic gradient is exact (every pair).
    public static let exactLimit = 1000
    /// From this many points the automatic 2-D gradient is the FFT interpolation, below it Barnes–Hut
    /// (openTSNE's rule: the interpolation's unit-width grid cells are coarse for the small spans of
    /// a few thousand points, and reach a clearly higher KL divergence there; Docs/Embeddings.md).
    public static let interpolationFrom = 10_000
    /// Up to this many points the final KL divergence uses the exact Z.
    static let exactKLLimit = 20_000

    public init() {}

    /// The gradient method used for `rows` points.
    public func resolvedGradient(rows: Int) -> Gradient {
        guard gradient == .automatic else { return gradient }
        if rows <= Self.exactLimit { return .exact }
        return dimensions == 2 && rows >= Self.interpolationFrom ? .interpolation : .barnesHut
    }

    /// The embedding of `x`'s rows. Throws `invalidInput` for fewer than 2 rows, dimensions other
    /// than 2 or 3, the interpolation gradient in 3-D, or settings out of range.
    public func fit(_ x: FeatureMatrix, progress: EmbeddingProgressHandler? = nil) throws -> Result {
        let n = x.rows, dims = dimensions
        guard dims == 2 || dims == 3 else { throw StrataError(.invalidInput, "t-SNE embeds in 2 or 3 dimensions, not \(dims)") }
        guard n >= 2 else { throw StrataError(.invalidInput, "t-SNE needs at least 2 inputs, got \(n)") }
        guard perplexity > 0, perplexity.isFinite else { throw StrataError(.invalidInput, "perplexity must be positive, got \(perplexity)") }
        guard iterations >= 0, earlyExaggerationIterations >= 0, earlyExaggeration > 0 else {
            throw StrataError(.invalidInput, "t-SNE iterations and exaggeration must not be negative")
        }
        let method = resolvedGradient(rows: n)
        if method == .interpolation && dims != 2 {
            throw StrataError(.invalidInput, "the interpolation (FFT) gradient embeds in 2 dimensions; use exact or barnes-hut for 3")
        }
        let effectivePerplexity = min(perplexity, max(1, Double(n - 1) / 3))
        let rate = learningRate ?? max(Double(n) / earlyExaggeration / 4, 50)
        guard rate > 0, rate.isFinite else { throw StrataError(.invalidInput, "learning rate must be positive, got \(rate)") }

        // Affinities.
        let p: SparseMatrix
        var search: NeighborSearch?
        if method == .exact {
            p = PerplexityAffinities.jointDense(squaredDistances: try Self.squaredDistances(x, threads: threads), n: n,
                                                perplexity: effectivePerplexity, threads: threads)
        } else {
            let k = min(n - 1, Int(3 * effectivePerplexity) + 1)
            let resolved = neighborSearch.resolved(rows: n)
            search = resolved
            let graph = try resolved.neighbors(of: x, k: k, seed: seed, threads: threads, progress: progress)
            p = PerplexityAffinities.joint(neighbors: graph, perplexity: effectivePerplexity, threads: threads)
        }
        progress?(EmbeddingProgress(phase: "affinities", done: n, total: n))

        // PCA initialisation, scaled to a standard deviation of 1e-4 along the first axis.
        var y = try Self.initialization(x, dims: dims, seed: seed, threads: threads)

        var repulsion: any TSNERepulsion
        switch method {
        case .exact, .automatic: repulsion = ExactRepulsion(dims: dims, threads: threads)
        case .interpolation: repulsion = InterpolationRepulsion(threads: threads)
        case .barnesHut: repulsion = BarnesHutRepulsion(dims: dims, threads: threads)
        }
        var optimizer = Optimizer(count: n * dims)
        var force = [Double](repeating: 0, count: n * dims)
        var attraction = [Double](repeating: 0, count: n * dims)
        let early = min(earlyExaggerationIterations, iterations)
        for iteration in 0 ..< iterations {
            if iteration == early { optimizer = Optimizer(count: n * dims) }
            let exaggeration = iteration < early ? earlyExaggeration : 1
            let momentum = iteration < early ? 0.5 : 0.8
            let z = y.withUnsafeBufferPointer { yb in
                force.withUnsafeMutableBufferPointer { fb in repulsion.repulsion(yb.baseAddress!, count: n, into: fb.baseAddress!) }
            }
            Self.attractiveForces(p, y, dims: dims, scale: exaggeration, threads: threads, into: &attraction)
            let inverseZ = z > 0 ? 1 / z : 0
            for i in 0 ..< n * dims { force[i] = 4 * (attraction[i] - force[i] * inverseZ) }
            optimizer.step(&y, gradient: force, momentum: momentum, rate: rate)
            Self.centre(&y, dims: dims)
            if (iteration + 1) % 10 == 0 || iteration + 1 == iterations {
                progress?(EmbeddingProgress(phase: "optimisation", done: iteration + 1, total: iterations))
            }
        }

        let kl = try Self.klDivergence(p, y, dims: dims, repulsion: &repulsion, threads: threads)
        return Result(
            embedding: FeatureMatrix(uncheckedRows: n, columns: dims, values: y.map { Float($0) }),
            klDivergence: kl, perplexity: effectivePerplexity, learningRate: rate, gradient: method, neighbors: search)
    }

    /// scikit-learn's gradient descent with momentum and per-coordinate gains.
    struct Optimizer {
        var update: [Double]
        var gains: [Double]
        static let minGain = 0.01

        init(count: Int) {
            update = [Double](repeating: 0, count: count)
            gains = [Double](repeating: 1, count: count)
        }

        mutating func step(_ y: inout [Double], gradient: [Double], momentum: Double, rate: Double) {
            for i in y.indices {
                let g = gradient[i]
                if update[i] * g < 0 {
                    gains[i] += 0.2
                } else {
                    gains[i] = max(gains[i] * 0.8, Self.minGain)
                }
                update[i] = momentum * update[i] - rate * gains[i] * g
                y[i] += update[i]
            }
        }
    }

    /// `a_i = scale · Σ_j p_ij · w_ij · (y_i − y_j)`.
    ///
    /// This runs once per iteration over every stored pair (over a million for 10,000 points), so the
    /// 2-D case has a loop of its own: the generic loop over `dims` cost about 10 ns per pair, a third
    /// of the whole optimisation.
    static func attractiveForces(_ p: SparseMatrix, _ y: [Double], dims: Int, scale: Double, threads: Int, into out: inout [Double]) {
        out.withUnsafeMutableBufferPointer { a in
            y.withUnsafeBufferPointer { y in
                p.rowStart.withUnsafeBufferPointer { start in
                    p.columns.withUnsafeBufferPointer { columns in
                        p.values.withUnsafeBufferPointer { values in
                            let a = a.baseAddress!, y = y.baseAddress!, start = start.baseAddress!
                            let columns = columns.baseAddress!, values = values.baseAddress!
                            Parallel.forEachChunk(count: p.size, chunkSize: 256, threads: threads) { _, range in
                                if dims == 2 {
                                    attractiveForces2D(range, start, columns, values, y, scale: scale, into: a)
                                } else {
                                    attractiveForcesND(range, start, columns, values, y, dims: dims, scale: scale, into: a)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The 2-D case in single precision, eight pairs at a time: the division dominates, and a vector
    /// of eight float quotients costs about what one or two double quotients do. Positions are
    /// rounded to float for the differences only (as scikit-learn's Barnes–Hut code keeps them); each
    /// row's sum is finished in double.
    @inline(__always)
    private static func attractiveForces2D(_ rows: Range<Int>, _ start: UnsafePointer<Int>, _ columns: UnsafePointer<Int32>,
                                           _ values: UnsafePointer<Double>, _ y: UnsafePointer<Double>, scale: Double,
                                           into a: UnsafeMutablePointer<Double>) {
        for i in rows {
            let y0 = Float(y[2 * i]), y1 = Float(y[2 * i + 1])
            var f0 = SIMD8<Float>(), f1 = SIMD8<Float>()
            var e = start[i]
            let end = start[i + 1]
            while e + 8 <= end {
                var x0 = SIMD8<Float>(), x1 = SIMD8<Float>(), v = SIMD8<Float>()
                for lane in 0 ..< 8 {
                    let j = 2 * Int(columns[e + lane])
                    x0[lane] = Float(y[j])
                    x1[lane] = Float(y[j + 1])
                    v[lane] = Float(values[e + lane])
                }
                let d0 = SIMD8(repeating: y0) - x0, d1 = SIMD8(repeating: y1) - x1
                let pw = v / (1 + d0 * d0 + d1 * d1)
                f0 += pw * d0
                f1 += pw * d1
                e += 8
            }
            var g0 = Double(f0.sum()), g1 = Double(f1.sum())
            while e < end {
                let j = 2 * Int(columns[e])
                let d0 = Double(y0 - Float(y[j])), d1 = Double(y1 - Float(y[j + 1]))
                let pw = values[e] / (1 + d0 * d0 + d1 * d1)
                g0 += pw * d0
                g1 += pw * d1
                e += 1
            }
            a[2 * i] = scale * g0
            a[2 * i + 1] = scale * g1
        }
    }

    @inline(__always)
    private static func attractiveForcesND(_ rows: Range<Int>, _ start: UnsafePointer<Int>, _ columns: UnsafePointer<Int32>,
                                           _ values: UnsafePointer<Double>, _ y: UnsafePointer<Double>, dims: Int, scale: Double,
                                           into a: UnsafeMutablePointer<Double>) {
        for i in rows {
            var force = (0.0, 0.0, 0.0)
            let yi = (y[i * dims], y[i * dims + 1], dims > 2 ? y[i * dims + 2] : 0)
            for e in start[i] ..< start[i + 1] {
                let j = Int(columns[e]) * dims
                let d0 = yi.0 - y[j], d1 = yi.1 - y[j + 1], d2 = dims > 2 ? yi.2 - y[j + 2] : 0
                let pw = values[e] / (1 + d0 * d0 + d1 * d1 + d2 * d2)
                force.0 += pw * d0
                force.1 += pw * d1
                force.2 += pw * d2
            }
            a[i * dims] = scale * force.0
            a[i * dims + 1] = scale * force.1
            if dims > 2 { a[i * dims + 2] = scale * force.2 }
        }
    }

    static func centre(_ y: inout [Double], dims: Int) {
        let n = y.count / dims
        for c in 0 ..< dims {
            var mean = 0.0
            for i in 0 ..< n { mean += y[i * dims + c] }
            mean /= Double(n)
            for i in 0 ..< n { y[i * dims + c] -= mean }
        }
    }

    /// The first `dims` principal components scaled to standard deviation 1e-4 along the first; a
    /// seeded Gaussian of that scale when the data has no variance.
    static func initialization(_ x: FeatureMatrix, dims: Int, seed: UInt64, threads: Int) throws -> [Double] {
        let n = x.rows
        var y = [Double](repeating: 0, count: n * dims)
        var std = 0.0
        if x.columns >= dims && n >= dims {
            let pca = try PCA(components: dims, threads: threads, seed: seed).fit(x)
            for i in 0 ..< n * dims { y[i] = Double(pca.embedding.values[i]) }
            var mean = 0.0
            for i in 0 ..< n { mean += y[i * dims] }
            mean /= Double(n)
            for i in 0 ..< n { std += (y[i * dims] - mean) * (y[i * dims] - mean) }
            std = (std / Double(n)).squareRoot()
        }
        if std > 0 {
            for i in y.indices { y[i] = y[i] / std * 1e-4 }
        } else {
            var random = SeededRandom(seed: seed)
            for i in y.indices { y[i] = random.normal() * 1e-4 }
        }
        return y
    }

    /// The full N × N matrix of squared Euclidean distances (double, row-major).
    static func squaredDistances(_ x: FeatureMatrix, threads: Int) throws -> [Double] {
        let n = x.rows, d = x.columns
        try MemoryLimit.reserve(n * n * 8, for: "a \(n) × \(n) distance matrix")
        defer { MemoryLimit.release(n * n * 8) }
        var out = [Double](repeating: 0, count: n * n)
        x.values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                Parallel.forEachChunk(count: n, chunkSize: 16, threads: threads) { _, range in
                    for i in range {
                        for j in 0 ..< n where j != i {
                            o[i * n + j] = Double(squaredDistance(v.baseAddress! + i * d, v.baseAddress! + j * d, d))
                        }
                    }
                }
            }
        }
        return out
    }

    /// `KL(P‖Q) = Σ p_ij · log(p_ij / q_ij)` over the pairs with p_ij > 0.
    static func klDivergence(_ p: SparseMatrix, _ y: [Double], dims: Int, repulsion: inout any TSNERepulsion, threads: Int) throws -> Double {
        let n = p.size
        let z: Double
        if n <= exactKLLimit {
            var exact = ExactRepulsion(dims: dims, threads: threads)
            var scratch = [Double](repeating: 0, count: n * dims)
            z = y.withUnsafeBufferPointer { yb in scratch.withUnsafeMutableBufferPointer { exact.repulsion(yb.baseAddress!, count: n, into: $0.baseAddress!) } }
        } else {
            var scratch = [Double](repeating: 0, count: n * dims)
            z = y.withUnsafeBufferPointer { yb in scratch.withUnsafeMutableBufferPointer { repulsion.repulsion(yb.baseAddress!, count: n, into: $0.baseAddress!) } }
        }
        var kl = 0.0
        for i in 0 ..< n {
            for e in p.rowStart[i] ..< p.rowStart[i + 1] where p.values[e] > 0 {
                let j = Int(p.columns[e])
                var squared = 0.0
                for c in 0 ..< dims {
                    let t = y[i * dims + c] - y[j * dims + c]
                    squared += t * t
                }
                let q = 1 / (1 + squared) / z
                kl += p.values[e] * log(p.values[e] / q)
            }
        }
        return kl
    }
}

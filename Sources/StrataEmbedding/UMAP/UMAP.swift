import Foundation
import StrataCore

/// Uniform manifold approximation and projection (McInnes, Healy and Melville 2018) with
/// umap-learn's defaults: 15 neighbours (the row itself counted), `min_dist` 0.1, spread 1,
/// spectral initialisation, 500 epochs up to 10,000 rows and 200 above, 5 negative samples per
/// positive one, learning rate 1.
///
/// 1. Neighbours: the `nNeighbors − 1` nearest other rows (`NeighborSearch`; exact up to
///    `NeighborSearch.exactLimit` rows, NN-descent above).
/// 2. Graph: `FuzzySimplicialSet`; entries below `max / epochs` are dropped, as umap-learn's
///    `simplicial_set_embedding` drops them.
/// 3. Initialisation: `SpectralLayout`, scaled so the largest coordinate magnitude is 10, plus
///    Gaussian noise of standard deviation 1e-4, then each axis mapped linearly onto [0, 10].
/// 4. Layout: `UMAPOptimizer` with the curve `UMAPCurve(spread:minDist:)`.
public struct UMAP: Sendable {
    /// How the initial layout was made.
    public enum Initialization: String, Sendable {
        /// Laplacian eigenvectors of the connected graph.
        case spectral
        /// Several connected components, each laid out spectrally around its own position.
        case components
    }

    /// The result of `fit`.
    public struct Result: Sendable {
        /// N × dimensions.
        public var embedding: FeatureMatrix
        public var curve: UMAPCurve
        public var epochs: Int
        /// The neighbour count used (the one asked for, lowered to N for small N).
        public var neighbors: Int
        public var neighborSearch: NeighborSearch
        public var initialization: Initialization
        /// Connected components of the graph.
        public var components: Int
        /// False when the eigensolver stopped at its iteration limit (the layout still starts from
        /// its last vectors).
        public var spectralConverged: Bool
    }

    public var dimensions = 2
    /// Neighbours per row, the row itself included (umap-learn's `n_neighbors`).
    public var nNeighbors = 15
    public var minDist = 0.1
    public var spread = 1.0
    /// nil: 500 for up to 10,000 rows, 200 above.
    public var epochs: Int?
    public var negativeSampleRate = 5
    public var learningRate = 1.0
    public var seed: UInt64 = 0
    public var threads = 1
    public var neighborSearch: NeighborSearch = .automatic

    public init() {}

    /// The embedding of `x`'s rows. Throws `invalidInput` for fewer than 3 rows or settings out of range.
    public func fit(_ x: FeatureMatrix, progress: EmbeddingProgressHandler? = nil) throws -> Result {
        let n = x.rows, dims = dimensions
        guard dims >= 1, dims <= 3 else { throw StrataError(.invalidInput, "UMAP embeds in 1 to 3 dimensions, not \(dims)") }
        guard n >= 3 else { throw StrataError(.invalidInput, "UMAP needs at least 3 inputs, got \(n)") }
        guard nNeighbors >= 2 else { throw StrataError(.invalidInput, "UMAP needs at least 2 neighbours, got \(nNeighbors)") }
        guard negativeSampleRate >= 0, learningRate > 0, learningRate.isFinite else {
            throw StrataError(.invalidInput, "UMAP's negative sample rate must not be negative and its learning rate must be positive")
        }
        let curve = try UMAPCurve(spread: spread, minDist: minDist)
        let neighbors = min(nNeighbors, n)
        let epochCount = epochs ?? (n <= 10_000 ? 500 : 200)
        guard epochCount >= 1 else { throw StrataError(.invalidInput, "UMAP needs at least one epoch, got \(epochCount)") }

        let search = neighborSearch.resolved(rows: n)
        let graph = try search.neighbors(of: x, k: neighbors - 1, seed: seed, threads: threads, progress: progress)
        var fuzzy = FuzzySimplicialSet.graph(graph, nNeighbors: neighbors, threads: threads)
        let largest = fuzzy.values.max() ?? 0
        fuzzy = fuzzy.withoutZeros(below: largest / Double(epochCount))
        progress?(EmbeddingProgress(phase: "fuzzy simplicial set", done: n, total: n))

        let layout = try SpectralLayout.layout(fuzzy, data: x, dims: dims, seed: seed, threads: threads)
        progress?(EmbeddingProgress(phase: "spectral initialisation", done: n, total: n))
        var random = SeededRandom(seed: seed, stream: 0x2015E)
        let magnitude = layout.coordinates.map(abs).max() ?? 0
        let expansion = magnitude > 0 ? 10 / magnitude : 0
        var y = layout.coordinates.map { Float($0 * expansion) + Float(random.normal() * 1e-4) }
        for c in 0 ..< dims {
            var low = Float.infinity, high = -Float.infinity
            for i in 0 ..< n {
                low = min(low, y[i * dims + c])
                high = max(high, y[i * dims + c])
            }
            let span = high - low
            for i in 0 ..< n { y[i * dims + c] = span > 0 ? 10 * (y[i * dims + c] - low) / span : 5 }
        }

        let optimizer = UMAPOptimizer(a: Float(curve.a), b: Float(curve.b), negativeSampleRate: negativeSampleRate,
                                      learningRate: Float(learningRate), epochs: epochCount)
        optimizer.optimize(&y, dims: dims, graph: fuzzy, seed: seed, progress: progress)
        if let bad = y.firstIndex(where: { !$0.isFinite }) {
            throw StrataError(.invalidInput, "UMAP's layout diverged (row \(bad / dims) is \(y[bad]))")
        }
        return Result(
            embedding: FeatureMatrix(uncheckedRows: n, columns: dims, values: y), curve: curve, epochs: epochCount,
            neighbors: neighbors, neighborSearch: search, initialization: layout.components == 1 ? .spectral : .components,
            components: layout.components, spectralConverged: layout.converged)
    }
}

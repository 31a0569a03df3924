import StrataCore

/// How the k nearest neighbours of every row are found.
public enum NeighborSearch: String, Sendable, CaseIterable {
    /// Brute force: every pair, through one matrix product per block of rows (`ExactNeighbors`).
    case exact
    /// NN-descent from random projection trees (`NNDescent`): approximate, O(N) work per iteration.
    case nnDescent = "nn-descent"
    /// Exact up to `exactLimit` rows, NN-descent above.
    case automatic = "auto"

    /// The most rows `automatic` searches exactly. Below it the N² distance products of one BLAS
    /// matrix product per block cost less time than NN-descent's iterations (measured in
    /// Docs/Embeddings.md), and are exact.
    public static let exactLimit = 20_000

    /// The method `automatic` resolves to for `rows` rows.
    public func resolved(rows: Int) -> NeighborSearch {
        self == .automatic ? (rows <= Self.exactLimit ? .exact : .nnDescent) : self
    }

    /// The `k` nearest neighbours of each row of `x` (the row itself excluded), nearest first.
    /// Throws `invalidInput` unless `1 ≤ k < x.rows`; `resourceLimit` when the work space exceeds
    /// the memory limit.
    public func neighbors(of x: FeatureMatrix, k: Int, seed: UInt64 = 0, threads: Int = 1,
                          progress: EmbeddingProgressHandler? = nil) throws -> NeighborGraph {
        guard k >= 1, k < x.rows else {
            throw StrataError(.invalidInput, "\(k) nearest neighbours need more than \(k) inputs, got \(x.rows)")
        }
        switch resolved(rows: x.rows) {
        case .exact, .automatic:
            return try ExactNeighbors.search(x, k: k, threads: threads, progress: progress)
        case .nnDescent:
            return try NNDescent.search(x, k: k, seed: seed, threads: threads, progress: progress)
        }
    }
}

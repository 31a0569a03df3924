/// Where an embedding is: the phase (`"nearest neighbours"`, `"affinities"`, `"optimisation"` …) and
/// how much of it is done, for a progress line. `total` is 0 when the phase has no count.
public struct EmbeddingProgress: Sendable, Hashable {
    public var phase: String
    public var done: Int
    public var total: Int

    public init(phase: String, done: Int, total: Int) {
        self.phase = phase
        self.done = done
        self.total = total
    }
}

/// Receives progress reports; called on the thread that runs the embedding, between steps.
public typealias EmbeddingProgressHandler = (EmbeddingProgress) -> Void

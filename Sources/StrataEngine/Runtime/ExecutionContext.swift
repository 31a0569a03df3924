
/// Per-run settings shared by all kernels.
public struct ExecutionContext: Sendable {
    /// Threads a kernel may use for its own parallel loops and for BLAS.
    public let threads: Int

    public init(threads: Int) {
        self.threads = Swift.max(1, threads)
    }

    /// Runs `body` for each chunk of `0..<count`, on up to `threads` threads of the shared
    /// `WorkerPool`. Chunks are contiguous ranges; `body` must only write what its range owns.
    public func parallelFor(_ count: Int, minChunk: Int = 1, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let workers = Swift.min(threads, Swift.max(1, count / Swift.max(1, minChunk)))
        if workers <= 1 {
            body(0..<count)
            return
        }
        let chunk = (count + workers - 1) / workers
        WorkerPool.shared.run(chunks: workers, threads: threads) { w in
            let start = w * chunk
            let end = Swift.min(count, start + chunk)
            if start < end { body(start..<end) }
        }
    }
}

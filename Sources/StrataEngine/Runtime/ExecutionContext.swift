import Synchronization

/// Per-run settings shared by all kernels.
public struct ExecutionContext: Sendable {
    /// Threads a kernel may use for its own parallel loops and for BLAS.
    public let threads: Int
    /// Where control-flow kernels report the body tensors the run captures; nil when it captures none.
    var bodyCapture: BodyCaptureSink?

    public init(threads: Int) {
        self.threads = Swift.max(1, threads)
    }

    /// Runs `body` for each chunk of `0..<count`, on up to `threads` threads of the shared
    /// `WorkerPool`. Chunks are contiguous ranges of at least `minChunk` (except when `count` is
    /// smaller), one per thread; while the pool is contended (other processes want the cores), one
    /// chunk on the calling thread. `body` must only write what its range owns.
    public func parallelFor(_ count: Int, minChunk: Int = 1, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let pool = WorkerPool.shared
        let wanted = Self.chunks(count: count, minChunk: minChunk, threads: threads, contended: false)
        // Only a loop that could use several threads reads the clock to ask about contention.
        let contended = wanted > 1 && pool.isContended
        if wanted > 1 {
            pool.requestedLoops.add(1, ordering: .relaxed)
            if contended { pool.contendedLoops.add(1, ordering: .relaxed) }
        }
        let workers = contended ? 1 : wanted
        if workers <= 1 {
            body(0..<count)
            return
        }
        let chunk = (count + workers - 1) / workers
        pool.run(chunks: workers, threads: threads) { w in
            let start = w * chunk
            let end = Swift.min(count, start + chunk)
            if start < end { body(start..<end) }
        }
    }

    /// Parallel loops run so far that could use several threads, and how many of them ran on one
    /// thread because other processes wanted the cores (see `WorkerPool`).
    public static var poolLoops: (requested: Int, contended: Int) {
        (WorkerPool.shared.requestedLoops.load(ordering: .relaxed), WorkerPool.shared.contendedLoops.load(ordering: .relaxed))
    }

    /// How many chunks `parallelFor` cuts `count` iterations into.
    static func chunks(count: Int, minChunk: Int, threads: Int, contended: Bool) -> Int {
        let most = Swift.max(1, count / Swift.max(1, minChunk))
        return contended ? 1 : Swift.min(threads, most)
    }
}

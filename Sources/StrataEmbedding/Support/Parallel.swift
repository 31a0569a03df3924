import Dispatch
import Synchronization

/// Work split into fixed chunks and run on up to `threads` threads.
///
/// Chunks depend on the item count and chunk size only, never on the thread count, and every
/// caller writes each chunk's results to places no other chunk writes (or combines per-chunk
/// results in chunk order afterwards), so results are the same for every thread count.
enum Parallel {
    /// Calls `body` once per chunk `start ..< min(start + chunkSize, count)`, with the chunk's index.
    static func forEachChunk(count: Int, chunkSize: Int, threads: Int, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        guard count > 0 else { return }
        let size = max(1, chunkSize)
        let chunks = (count + size - 1) / size
        let workers = min(max(1, threads), chunks)
        if workers == 1 {
            for c in 0 ..< chunks { body(c, c * size ..< min(count, (c + 1) * size)) }
            return
        }
        let next = Atomic<Int>(0)
        // `body` runs on several threads at once; each call touches only what its chunk owns.
        withoutActuallyEscaping(body) { body in
            let shared = SharedBody(call: body)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard c < chunks else { return }
                    shared.call(c, c * size ..< min(count, (c + 1) * size))
                }
            }
        }
    }

    /// The chunk body, shared by the worker threads for the duration of one `forEachChunk`.
    private struct SharedBody: @unchecked Sendable {
        let call: (Int, Range<Int>) -> Void
    }

    /// A chunk size that gives every thread several chunks of `count` items (at least `minimum` items each).
    static func chunkSize(count: Int, minimum: Int = 64) -> Int {
        max(minimum, (count + 63) / 64)
    }
}

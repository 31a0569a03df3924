import Foundation

/// How an `Engine` runs.
public struct EngineOptions: Sendable {
    /// Threads for kernels and BLAS (at least 1).
    public var threads: Int

    /// `threads` nil means every core the process may use.
    public init(threads: Int? = nil) {
        self.threads = Swift.max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
    }
}

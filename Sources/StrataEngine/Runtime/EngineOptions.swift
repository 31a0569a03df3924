import Foundation

/// How an `Engine` runs.
public struct EngineOptions: Sendable {
    /// Threads for kernels and BLAS (at least 1).
    public var threads: Int
    /// Whether a run may apply an activation inside the kernel producing its input (see
    /// `FusionPlan`). Fused and separate runs give identical values; turning fusion off is for
    /// checking exactly that, and for timing the separate kernels.
    public var fusion: Bool

    /// `threads` nil means every core the process may use.
    public init(threads: Int? = nil, fusion: Bool = true) {
        self.threads = Swift.max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        self.fusion = fusion
    }
}

import Foundation

/// How an `Engine` runs.
public struct EngineOptions: Sendable {
    /// Threads for kernels and BLAS (at least 1).
    public var threads: Int
    /// Whether a run may apply an activation inside the kernel producing its input and run QDQ
    /// patterns as integer ops (see `FusionPlan`). Fused and separate activations give identical
    /// values; a fused QDQ pattern gives onnxruntime's integer op's values, which a quantized value
    /// of the float path can miss by a step. Turning fusion off is for checking exactly that, for
    /// running a QDQ graph as written, and for timing the separate kernels.
    public var fusion: Bool
    /// Receives each notice (one line, no prefix) about a run that goes on regardless, such as
    /// inputs giving one dimension name two sizes; each distinct notice once per engine. nil
    /// writes `strata: note: <notice>` to standard error.
    public var notice: (@Sendable (String) -> Void)?

    /// `threads` nil means every core the process may use; more than `maxThreads` run as `maxThreads`.
    public init(threads: Int? = nil, fusion: Bool = true, notice: (@Sendable (String) -> Void)? = nil) {
        self.threads = Swift.min(EngineOptions.maxThreads, Swift.max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount))
        self.fusion = fusion
        self.notice = notice
    }

    /// The most threads an engine runs on: 4 × the cores the process may use. More only add
    /// switching (and, under a memory limit, thread stacks that cannot be had).
    public static let maxThreads = 4 * Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The `--threads` check of the commands: at least 1, at most `maxThreads`; the message for a
    /// usage error otherwise.
    public static func problem(withThreads threads: Int) -> String? {
        if threads < 1 { return "--threads must be at least 1" }
        if threads > maxThreads {
            let cores = ProcessInfo.processInfo.activeProcessorCount
            return "--threads must be at most \(maxThreads) (4 × the \(cores) core\(cores == 1 ? "" : "s") this process may use)"
        }
        return nil
    }
}

import Foundation
import StrataCore

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
    /// Whether an engine with several threads times its runs with them against runs with fewer
    /// (halvings down to 1) and keeps the fastest count (see `PoolSchedule`); `threads` is then the
    /// most it uses. Off, every run uses `threads`. `STRATA_THREAD_CHOICE=off` in the environment turns
    /// it off for every engine, for timing the threads themselves.
    public var choosesThreads: Bool

    /// `threads` nil means every core the process may use; more than `maxThreads` run as `maxThreads`.
    public init(threads: Int? = nil, fusion: Bool = true, notice: (@Sendable (String) -> Void)? = nil, choosesThreads: Bool = true) {
        self.threads = Swift.min(EngineOptions.maxThreads, Swift.max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount))
        self.fusion = fusion
        self.notice = notice
        self.choosesThreads = choosesThreads && EngineOptions.threadChoiceSetting != "off"
    }

    /// The most threads an engine runs on: 4 × the cores the process may use. More only add
    /// switching (and, under a memory limit, thread stacks that cannot be had).
    public static let maxThreads = 4 * Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

    static var threadChoiceSetting: String? { getenv("STRATA_THREAD_CHOICE").map { String(cString: $0) } }

    /// Throws when `STRATA_THREAD_CHOICE` is set to something other than `on` or `off`: a typo
    /// would otherwise leave the choice on while the user thinks it is off.
    static func checkEnvironment() throws {
        guard let value = threadChoiceSetting, value != "on", value != "off" else { return }
        throw StrataError(.invalidInput, "must be 'on' or 'off'", at: ErrorLocation(detail: "STRATA_THREAD_CHOICE=\(value)"))
    }

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

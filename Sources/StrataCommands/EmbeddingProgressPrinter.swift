import Foundation
import StrataEmbedding

/// Progress of an embedding on standard error: a line when a phase starts
/// (`strata: t-SNE: nearest neighbours`), and the phase's bar on a terminal; nothing when quiet.
final class EmbeddingProgressPrinter {
    private let console: Console
    private let quiet: Bool
    private let method: String
    private let bar: ProgressReporter
    private var phase: String?
    private var phaseStart = Date()
    let start = Date()

    init(console: Console, quiet: Bool, method: String) {
        self.console = console
        self.quiet = quiet
        self.method = method
        bar = ProgressReporter(console: console, quiet: quiet)
    }

    /// The handler to give the embedding.
    func handler() -> EmbeddingProgressHandler {
        { [self] progress in report(progress) }
    }

    func report(_ progress: EmbeddingProgress) {
        guard !quiet else { return }
        if progress.phase != phase {
            endPhase()
            phase = progress.phase
            phaseStart = Date()
            console.printError("strata: \(method): \(progress.phase)\n")
        }
        bar.update(done: progress.done, total: progress.total, unit: progress.phase == "optimisation" ? "iterations" : "")
    }

    /// Ends the bar of the current phase.
    func endPhase() {
        bar.finish()
    }

    /// Seconds since the printer was made.
    var elapsed: Double { Date().timeIntervalSince(start) }
}

/// Shows how far a run is on standard error: a redrawn bar on a terminal, nothing otherwise
/// (logs stay clean), and nothing at all when quiet.
final class ProgressReporter {
    private let console: Console
    private let enabled: Bool
    private var lastDrawn = -1

    init(console: Console, quiet: Bool) {
        self.console = console
        self.enabled = !quiet && console.errorIsTerminal
    }

    /// Draws `done` of `total` (`unit`: what is counted, e.g. nodes or images).
    func update(done: Int, total: Int, unit: String = "nodes") {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = done * width / total
        let percent = done * 100 / total
        guard percent != lastDrawn else { return }
        lastDrawn = percent
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        console.printError("\r[\(bar)] \(done)/\(total) \(unit)")
    }

    func finish() {
        guard enabled, lastDrawn >= 0 else { return }
        console.printError("\r" + String(repeating: " ", count: 60) + "\r")
        lastDrawn = -1
    }
}

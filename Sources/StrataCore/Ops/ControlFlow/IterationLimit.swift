import Synchronization

/// The most iterations one `Loop` node may run, checked before each iteration (and against a trip
/// count before the first), so that a loop whose condition never turns false, from a hostile or
/// broken file, ends with an error instead of running for hours. `strata --max-iterations N`
/// replaces the default for one command.
public enum IterationLimit {
    /// 100,000 iterations: about 2.5 s of a small body (25 µs an iteration), and more than the
    /// decoding, search and post-processing loops of the exported models Strata is tested on run.
    public static let defaultIterations = 100_000

    /// The limit in effect.
    public static var iterations: Int { state.withLock { $0 } }

    /// Replaces the limit; returns the previous one (to restore it).
    @discardableResult
    public static func set(_ iterations: Int) -> Int {
        state.withLock { state in
            let previous = state
            state = Swift.max(0, iterations)
            return previous
        }
    }

    private static let state = Mutex(defaultIterations)
}

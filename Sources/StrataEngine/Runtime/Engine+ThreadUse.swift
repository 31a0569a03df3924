extension Engine {
    /// How runs use the engine's threads (see `PoolSchedule`), for reports such as `strata bench`.
    public struct ThreadUse: Sendable, Equatable {
        /// The threads runs outside a trial use: `EngineOptions.threads`, or fewer where fewer were
        /// measured faster.
        public let threads: Int
        /// Whether that is settled: the first trials are over and none is running, or there is
        /// nothing to choose.
        public let settled: Bool
        /// Runs made with fewer threads than the engine has, trials included.
        public let fewerThreadRuns: Int
    }

    /// How runs use the engine's threads, for the tensors of the most recent run.
    public var threadUse: ThreadUse {
        guard let choice = lastPlans.withLock({ $0?.choice }) else {
            let choosing = context.threads > 1 && options.choosesThreads
            return ThreadUse(threads: context.threads, settled: !choosing, fewerThreadRuns: 0)
        }
        let state = choice.state
        return ThreadUse(threads: state.threads, settled: state.settled, fewerThreadRuns: state.fewerThreadRuns)
    }
}

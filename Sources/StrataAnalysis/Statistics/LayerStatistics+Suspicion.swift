/// The order of `strata stats`' table: most suspicious first.
extension LayerStatistics {
    /// What makes a layer suspicious, compared field by field, larger first: the share of NaN and ±∞
    /// among its values, then the share of dead channels, then of saturated channels, then of zeros.
    /// Layers equal on all four keep their order.
    public struct Suspicion: Comparable, Sendable {
        public var nonFinite: Double
        public var dead: Double
        public var saturated: Double
        public var zeros: Double

        /// `a < b` when `a` is less suspicious.
        public static func < (a: Suspicion, b: Suspicion) -> Bool {
            (a.nonFinite, a.dead, a.saturated, a.zeros) < (b.nonFinite, b.dead, b.saturated, b.zeros)
        }
    }

    public var suspicion: Suspicion {
        let s = statistics
        let channels = Double(Swift.max(s.channelMaxima.count, 1))
        return Suspicion(
            nonFinite: s.count > 0 ? Double(s.nanCount + s.infCount) / Double(s.count) : 0,
            dead: Double(s.deadChannels.count) / channels,
            saturated: Double(s.saturatedChannels.count) / channels,
            zeros: s.zerosFraction)
    }
}

extension Array where Element == LayerStatistics {
    /// The layers most suspicious first (`LayerStatistics.Suspicion`), ties in their original order.
    public func sortedBySuspicion() -> [LayerStatistics] {
        enumerated()
            .map { (index: $0.offset, suspicion: $0.element.suspicion, layer: $0.element) }
            .sorted { $0.suspicion != $1.suspicion ? $0.suspicion > $1.suspicion : $0.index < $1.index }
            .map(\.layer)
    }
}

import ArgumentParser

/// `--channels 0-31` or `--channels 5`: an inclusive range of channel indices.
public struct ChannelRange: ExpressibleByArgument, Sendable, Hashable, CustomStringConvertible {
    public let first: Int
    public let last: Int

    /// The largest index accepted: far above any real layer's channel count, so a typo such as
    /// `0-3100000000` is refused instead of allocating.
    static let maxIndex = 1 << 20

    public init?(argument: String) {
        let parts = argument.split(separator: "-", omittingEmptySubsequences: false)
        guard (1 ... 2).contains(parts.count),
              let a = Int(parts[0]), let b = Int(parts[parts.count - 1]),
              a >= 0, b >= a, b <= Self.maxIndex else { return nil }
        first = a
        last = b
    }

    public var description: String { first == last ? "\(first)" : "\(first)-\(last)" }

    /// The indices of this range a layer with `channels` channels has; empty when none.
    func clipped(to channels: Int) -> Range<Int> {
        guard first < channels else { return 0 ..< 0 }
        return first ..< Swift.min(last + 1, channels)
    }
}

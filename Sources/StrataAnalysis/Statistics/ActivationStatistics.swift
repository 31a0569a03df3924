import Foundation
import StrataCore

/// Streaming statistics of one layer output over a dataset, fed one batch tensor at a time and
/// mergeable with the statistics of other shards. Definitions (also in `Docs/Statistics.md`):
///
/// - `count`: every value seen, NaN and ±∞ included. `nanCount`, `infCount`: NaN and ±∞ among them.
/// - `mean`, `std` (population), `minimum`, `maximum`: over the finite values only; nil when there are none.
/// - `zeroCount`: values equal to 0 (either sign); `negativeCount`: values below 0, −∞ included.
///   NaN is neither. The fractions divide by `count`.
/// - `histogram`: the finite values in TensorBoard's default buckets.
/// - Per channel (the channel axis of `ActivationAxes`; none for rank 0 and 1): the maximum, ignoring
///   NaN (+∞ and −∞ count; −∞ for a channel with no other value), and, when `saturationBounds` is set,
///   how many values lie within `SaturationBounds.tolerance` of a bound.
///
/// Values of any dtype are analysed exactly: float32, float16, bfloat16 and 8/16-bit integers as
/// float32, the others as double.
public struct ActivationStatistics: Sendable {
    public let layout: ActivationLayout
    /// Output range of a saturating layer (`SaturationBounds.of`); nil for others.
    public let saturationBounds: SaturationBounds?
    /// Upper limit on the threads one `add` uses; results do not depend on it.
    public var maxThreads: Int
    /// Runs `body(0) … body(n − 1)` concurrently for `add`; nil uses `DispatchQueue.concurrentPerform`.
    /// A caller that runs a model beside the statistics passes its engine's pool here, so that the
    /// two never compete for the cores with separate threads.
    public var parallel: ParallelRunner?

    /// How `add` runs its share of work on several threads: `runner(n, body)` calls `body(i)` once
    /// for each `i` in `0 ..< n`, possibly at the same time, and returns when all have finished.
    public typealias ParallelRunner = @Sendable (_ iterations: Int, _ body: @Sendable (Int) -> Void) -> Void

    /// Batch entries seen: the sum of axis 0 over the tensors added (1 per rank-0 tensor).
    public internal(set) var inputs = 0
    /// The rank of the tensors added; nil before the first.
    public internal(set) var rank: Int?
    /// The axes after the batch axis, nil where tensors differed (images of different sizes).
    public internal(set) var itemShape: [Int?] = []
    public internal(set) var count = 0
    public internal(set) var nanCount = 0
    public internal(set) var infCount = 0
    public internal(set) var zeroCount = 0
    public internal(set) var negativeCount = 0
    var moments = Moments()
    var finiteMinimum = Double.infinity
    var finiteMaximum = -Double.infinity
    public internal(set) var histogram = ValueHistogram()
    /// Per channel: the maximum value (see above). Empty without a channel axis.
    public internal(set) var channelMaxima: [Double] = []
    /// Per channel: values within the tolerance of a saturation bound. Empty without bounds or channel axis.
    public internal(set) var saturatedCounts: [Int] = []

    public init(layout: ActivationLayout, saturationBounds: SaturationBounds? = nil,
                maxThreads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.layout = layout
        self.saturationBounds = saturationBounds
        self.maxThreads = Swift.max(1, maxThreads)
    }

    /// Adds one batch. Its rank must match the earlier batches' and so must its channel count; other
    /// axes may differ (they are then shown as unknown in `shape`).
    public mutating func add(_ tensor: Tensor) throws {
        try checkShape(tensor.shape)
        record(tensor.shape)
        accumulate(tensor)
    }

    /// Adds one batch of a channels-last activation (statistics in layout `.nhwc`) given as its
    /// channels-first twin `x`, `[N, C, spatial…]`: the same statistics as `add` of the channels-last
    /// tensor, shape and channels included, but for the order in which the moments' sums are taken.
    public mutating func add(channelsFirst x: Tensor) throws {
        guard layout == .nhwc, x.rank >= 3 else { return try add(x) }
        let shape = Self.channelsLast(x.shape)
        try checkShape(shape)
        record(shape)
        accumulate(x, layout: .nchw)
    }

    /// Adds one batch `x` as `add` does and, in the same pass, adds `clamp.apply(x)` to `derived`, the
    /// statistics of an op that computes that clamp of `x` (a `Relu` or a `Clip`, `ClampBounds.of`),
    /// with the same results as `derived.add` of that op's output would give (moments to rounding).
    /// Returns false, leaving `derived` as it was, where that cannot be done: `x` is not float32 or
    /// holds NaN or ±∞, or does not fit `derived`'s earlier batches; the caller then adds the op's
    /// output itself.
    public mutating func add(_ x: Tensor, deriving derived: inout ActivationStatistics, through clamp: ClampBounds) throws -> Bool {
        guard x.dtype == .float32, derived.layout == layout, (try? derived.checkShape(x.shape)) != nil else {
            try add(x)
            return false
        }
        try checkShape(x.shape)
        record(x.shape)
        return accumulate(x, deriving: &derived, through: clamp)
    }

    /// `add(_:deriving:through:)` for a channels-last activation given as its channels-first twin `x`
    /// (`add(channelsFirst:)`), with `derived` the statistics of the clamp's channels-last output.
    public mutating func add(channelsFirst x: Tensor, deriving derived: inout ActivationStatistics,
                             through clamp: ClampBounds) throws -> Bool {
        guard layout == .nhwc, x.rank >= 3 else { return try add(x, deriving: &derived, through: clamp) }
        let shape = Self.channelsLast(x.shape)
        guard x.dtype == .float32, derived.layout == layout, (try? derived.checkShape(shape)) != nil else {
            try add(channelsFirst: x)
            return false
        }
        try checkShape(shape)
        record(shape)
        return accumulate(x, deriving: &derived, through: clamp, layout: .nchw, recording: shape)
    }

    /// The channels-last shape of a channels-first one, `[N, C, spatial…]` → `[N, spatial…, C]` (rank ≥ 2).
    private static func channelsLast(_ shape: [Int]) -> [Int] {
        [shape[0]] + shape[2...] + [shape[1]]
    }

    /// Counts the inputs of a batch of shape `shape` (already checked) and sizes the per-channel state.
    mutating func record(_ shape: [Int]) {
        inputs += shape.isEmpty ? 1 : shape[0]
        if rank == nil {
            rank = shape.count
            itemShape = shape.dropFirst().map { $0 }
            if let axis = channelAxis {
                channelMaxima = [Double](repeating: -.infinity, count: shape[axis])
                if saturationBounds != nil { saturatedCounts = [Int](repeating: 0, count: shape[axis]) }
            }
        } else {
            for (i, d) in shape.dropFirst().enumerated() where itemShape[i] != d { itemShape[i] = nil }
        }
    }

    func checkShape(_ shape: [Int]) throws {
        guard let rank else { return }
        guard shape.count == rank else {
            throw StrataError(.invalidInput, "an activation of shape \(shape) follows earlier ones of rank \(rank)")
        }
        if let axis = channelAxis, let channels = itemShape[axis - 1], shape[axis] != channels {
            throw StrataError(.invalidInput, "an activation of shape \(shape) has \(shape[axis]) channels, earlier ones \(channels)")
        }
    }

    /// Adds the statistics of another shard of the same layer output.
    public mutating func merge(_ other: ActivationStatistics) throws {
        guard layout == other.layout else {
            throw StrataError(.invalidInput, "statistics in layout \(layout.rawValue) and \(other.layout.rawValue) do not merge")
        }
        guard saturationBounds == other.saturationBounds else {
            throw StrataError(.invalidInput, "statistics with different saturation bounds do not merge")
        }
        guard let otherRank = other.rank else { return }
        guard let rank else {
            let threads = maxThreads
            self = other
            maxThreads = threads
            return
        }
        guard rank == otherRank, channelMaxima.count == other.channelMaxima.count else {
            throw StrataError(.invalidInput, "statistics of shapes \(shapeDescription) and \(other.shapeDescription) do not merge")
        }
        let (inputsSum, o1) = inputs.addingReportingOverflow(other.inputs)
        let (countSum, o2) = count.addingReportingOverflow(other.count)
        // Every other count is at most `count` (values of a kind, per bucket, per channel).
        guard !o1, !o2 else { throw StrataError(.invalidInput, "the merged counts overflow") }
        inputs = inputsSum
        for i in itemShape.indices where itemShape[i] != other.itemShape[i] { itemShape[i] = nil }
        count = countSum
        nanCount += other.nanCount
        infCount += other.infCount
        zeroCount += other.zeroCount
        negativeCount += other.negativeCount
        moments.combine(other.moments)
        finiteMinimum = Swift.min(finiteMinimum, other.finiteMinimum)
        finiteMaximum = Swift.max(finiteMaximum, other.finiteMaximum)
        histogram.merge(other.histogram)
        for c in channelMaxima.indices { channelMaxima[c] = Swift.max(channelMaxima[c], other.channelMaxima[c]) }
        for c in saturatedCounts.indices { saturatedCounts[c] += other.saturatedCounts[c] }
    }

    // MARK: Derived values

    /// The channel axis of the tensors added (by `ActivationAxes`' rule); nil for rank 0 and 1.
    public var channelAxis: Int? {
        guard let rank, rank >= 2 else { return nil }
        return layout == .nhwc ? rank - 1 : 1
    }

    /// `[inputs, item axes…]`, nil for axes whose size varied; `[]` for rank 0 or before any data.
    public var shape: [Int?] {
        guard let rank, rank > 0 else { return [] }
        return [inputs] + itemShape
    }

    var shapeDescription: String { "[" + shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]" }

    /// Values that are neither NaN nor ±∞.
    public var finiteCount: Int { moments.n }

    public var mean: Double? { finiteCount > 0 ? moments.mean : nil }

    /// Population standard deviation of the finite values.
    public var std: Double? { finiteCount > 0 ? (Swift.max(moments.m2, 0) / Double(finiteCount)).squareRoot() : nil }

    /// Sum of squared deviations from the mean of the finite values (what merging needs beside the mean).
    public var sumOfSquaredDeviations: Double { moments.m2 }

    public var minimum: Double? { finiteCount > 0 ? finiteMinimum : nil }

    public var maximum: Double? { finiteCount > 0 ? finiteMaximum : nil }

    /// `zeroCount / count`; 0 before any value.
    public var zerosFraction: Double { count > 0 ? Double(zeroCount) / Double(count) : 0 }

    /// `negativeCount / count`; 0 before any value.
    public var negativeFraction: Double { count > 0 ? Double(negativeCount) / Double(count) : 0 }

    /// Dead units: when no value of the layer is negative (`negativeCount == 0`: outputs of ReLU, of
    /// pooling after it, …) and at least one value was seen, the channels that never held a value
    /// above 0 (maximum ≤ 0). Otherwise, or without a channel axis, `[]`.
    public var deadChannels: [Int] {
        guard negativeCount == 0, count > 0 else { return [] }
        return channelMaxima.indices.filter { channelMaxima[$0] <= 0 }
    }

    /// Saturated units: with saturation bounds, the channels at least 99 % of whose values (NaN and
    /// ±∞ included in the count) lie within the tolerance of a bound. Otherwise `[]`.
    public var saturatedChannels: [Int] {
        guard !saturatedCounts.isEmpty, count > 0 else { return [] }
        let perChannel = count / saturatedCounts.count
        // 100·s ≥ 99·n in full width: counts read from a file may be near Int.max.
        let threshold = perChannel.multipliedFullWidth(by: 99)
        return saturatedCounts.indices.filter {
            let scaled = saturatedCounts[$0].multipliedFullWidth(by: 100)
            return (scaled.high, scaled.low) >= (threshold.high, threshold.low)
        }
    }
}

import StrataCore

/// Which axis of an activation holds what, and what kind of picture fits it.
///
/// The rule (also in `Docs/Statistics.md`): axis 0 is the batch. The channel axis is the last axis
/// for `.nhwc` (Keras: `[N, H, W, C]`, `[N, T, C]`, `[N, units]`, `[N, D, H, W, C]`) and axis 1 for
/// `.nchw` (ONNX: `[N, C, H, W]`, `[N, C, T]`, `[N, units]`, `[N, C, D, H, W]`); every other axis is
/// spatial, in order. Tensors of rank 0 or 1 have no channel axis.
public struct ActivationAxes: Sendable, Hashable {
    /// What a single image's activation looks like, from the rank and the channel axis.
    public enum Kind: Sendable, Hashable {
        /// Rank 4: `height × width` per channel.
        case spatial2D(height: Int, width: Int)
        /// Rank 5: `depth × height × width` per channel; maps come as one `height × width` slice per depth.
        case spatial3D(depth: Int, height: Int, width: Int)
        /// Rank 3: `length` steps of `channels` values.
        case sequence(length: Int, channels: Int)
        /// Rank 2: one value per unit.
        case vector(units: Int)
        /// Rank 0 or 1, rank above 5, or no elements: nothing to draw per channel.
        case other
    }

    public let shape: [Int]
    public let layout: ActivationLayout
    /// The channel axis; nil for rank 0 and 1.
    public let channelAxis: Int?
    /// The axes other than batch and channel, in order.
    public let spatialAxes: [Int]
    public let kind: Kind

    public init(shape: [Int], layout: ActivationLayout) {
        self.shape = shape
        self.layout = layout
        let rank = shape.count
        if rank >= 2 {
            let channel = layout == .nhwc ? rank - 1 : 1
            channelAxis = channel
            spatialAxes = (1 ..< rank).filter { $0 != channel }
        } else {
            channelAxis = nil
            spatialAxes = []
        }
        let s = spatialAxes.map { shape[$0] }
        if shape.contains(0) || rank < 2 {
            kind = .other
        } else {
            switch rank {
            case 2: kind = .vector(units: shape[channelAxis!])
            case 3: kind = .sequence(length: s[0], channels: shape[channelAxis!])
            case 4: kind = .spatial2D(height: s[0], width: s[1])
            case 5: kind = .spatial3D(depth: s[0], height: s[1], width: s[2])
            default: kind = .other
            }
        }
    }

    /// Number of channels (1 when there is no channel axis).
    public var channels: Int { channelAxis.map { shape[$0] } ?? 1 }

    /// The activation seen as `[outer, channels, inner]` in memory order: `inner` is the product of
    /// the axes after the channel axis (1 for channels-last), `outer` of those before it.
    var outerChannelInner: (outer: Int, channels: Int, inner: Int) {
        guard let c = channelAxis else { return (1, 1, shape.elementCount) }
        return (shape[..<c].reduce(1, *), shape[c], shape[(c + 1)...].reduce(1, *))
    }
}

import StrataCore

/// One image's values of a spatial layer (activations or their gradients) as channel planes:
/// `channels` planes of `height × width` float32 values, channel-major (plane, row, column), whatever
/// the layout of the tensor they came from.
public struct ChannelPlanes: Sendable, Equatable {
    public let channels: Int
    public let height: Int
    public let width: Int
    /// `channels · height · width` values.
    public var values: [Float]

    /// Throws `invalidInput` unless `values` fills `channels × height × width` and every size is positive.
    public init(channels: Int, height: Int, width: Int, values: [Float]) throws {
        guard channels > 0, height > 0, width > 0 else {
            throw StrataError(.invalidInput, "channel planes must be non-empty, got \(channels) channels of \(height)×\(width)")
        }
        let (plane, o1) = height.multipliedReportingOverflow(by: width)
        let (count, o2) = plane.multipliedReportingOverflow(by: channels)
        guard !o1, !o2, count == values.count else {
            throw StrataError(.invalidInput, "\(values.count) values do not fill \(channels) channels of \(height)×\(width)")
        }
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }

    /// Image `image` of a rank-4 tensor: `[N, H, W, C]` for `.nhwc`, `[N, C, H, W]` for `.nchw`
    /// (the channel axis of `ActivationAxes`). Throws `invalidInput` for another rank, an empty
    /// tensor or an image index out of range.
    public init(_ tensor: Tensor, layout: ActivationLayout, image: Int) throws {
        let axes = ActivationAxes(shape: tensor.shape, layout: layout)
        guard case .spatial2D(let height, let width) = axes.kind else {
            throw StrataError(.invalidInput, "a class activation map needs a spatial activation [N, H, W, C] or [N, C, H, W], got shape \(tensor.shape)")
        }
        guard image >= 0, image < tensor.shape[0] else {
            throw StrataError(.invalidInput, "image \(image) is outside the batch of \(tensor.shape[0])")
        }
        let channels = axes.channels
        let plane = height * width
        let size = plane * channels
        var source = [Float](repeating: 0, count: size)
        source.withUnsafeMutableBufferPointer { tensor.copyFloats(from: image * size, count: size, into: $0.baseAddress!) }
        if layout == .nchw {
            try self.init(channels: channels, height: height, width: width, values: source)
            return
        }
        var values = [Float](repeating: 0, count: size)
        for p in 0 ..< plane {
            for c in 0 ..< channels { values[c * plane + p] = source[p * channels + c] }
        }
        try self.init(channels: channels, height: height, width: width, values: values)
    }

    /// Number of values in one plane.
    public var planeSize: Int { height * width }

    /// The values of channel `c`.
    public func plane(_ c: Int) -> ArraySlice<Float> { values[c * planeSize ..< (c + 1) * planeSize] }
}

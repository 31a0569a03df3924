import StrataCore

/// Maps made from one image of an activation: the mean and the maximum over channels, and single
/// channels (the tiles of a channel grid). Any dtype is read as float32 (float64 and 32/64-bit
/// integers rounded to the nearest float).
extension ActivationMap {
    /// `act[b].mean(axis=channel)`: computed in double, rounded to float32 (numpy's float32 pairwise
    /// mean differs by at most a few units in the last place). NaN in any channel gives NaN; +∞ and −∞
    /// together give NaN, as in numpy.
    public static func channelMean(of tensor: Tensor, image b: Int, layout: ActivationLayout) throws -> ActivationMap {
        try reduceChannels(tensor, image: b, layout: layout, mean: true)
    }

    /// `act[b].max(axis=channel)`, exactly numpy's: NaN wherever any channel holds NaN.
    public static func channelMax(of tensor: Tensor, image b: Int, layout: ActivationLayout) throws -> ActivationMap {
        try reduceChannels(tensor, image: b, layout: layout, mean: false)
    }

    /// Channel `k` of image `b`: `act[b, ..., k]` (channels-last) or `act[b, k, ...]` (channels-first).
    public static func channel(_ k: Int, of tensor: Tensor, image b: Int, layout: ActivationLayout) throws -> ActivationMap {
        let view = try ImageView(tensor, image: b, layout: layout)
        guard k >= 0 && k < view.channels else {
            throw StrataError(.invalidInput, "channel \(k) is out of range: the activation has \(view.channels) channels")
        }
        var out = [Float](repeating: 0, count: view.positions)
        view.withValues { x in
            out.withUnsafeMutableBufferPointer { o in
                let dst = o.baseAddress!
                if view.channelsLast {
                    let c = view.channels
                    for s in 0 ..< view.positions { dst[s] = x[s * c + k] }
                } else {
                    dst.update(from: x + k * view.positions, count: view.positions)
                }
            }
        }
        return view.map(out)
    }

    /// The units of image `b` of a rank-2 activation `[N, units]` (a vector layer), as float32.
    public static func units(of tensor: Tensor, image b: Int) throws -> [Float] {
        guard tensor.rank == 2 else {
            throw StrataError(.invalidInput, "an activation of shape \(tensor.shape) is not a vector of units")
        }
        guard b >= 0 && b < tensor.shape[0] else {
            throw StrataError(.invalidInput, "image \(b) is out of range: the batch holds \(tensor.shape[0])")
        }
        let units = tensor.shape[1]
        var out = [Float](repeating: 0, count: units)
        out.withUnsafeMutableBufferPointer { o in
            if let base = o.baseAddress { tensor.copyFloats(from: b * units, count: units, into: base) }
        }
        return out
    }

    private static func reduceChannels(_ tensor: Tensor, image b: Int, layout: ActivationLayout, mean: Bool) throws -> ActivationMap {
        let view = try ImageView(tensor, image: b, layout: layout)
        let c = view.channels, positions = view.positions
        var out = [Float](repeating: 0, count: positions)
        view.withValues { x in
            out.withUnsafeMutableBufferPointer { o in
                let dst = o.baseAddress!
                if view.channelsLast {
                    for s in 0 ..< positions {
                        let row = x + s * c
                        dst[s] = mean ? Float(ChannelReduction.sum(row, c) / Double(c)) : ChannelReduction.max(row, c)
                    }
                } else if mean {
                    var sums = [Double](repeating: 0, count: positions)
                    sums.withUnsafeMutableBufferPointer { acc in
                        let a = acc.baseAddress!
                        for k in 0 ..< c {
                            let plane = x + k * positions
                            for s in 0 ..< positions { a[s] += Double(plane[s]) }
                        }
                        for s in 0 ..< positions { dst[s] = Float(a[s] / Double(c)) }
                    }
                } else {
                    dst.update(from: x, count: positions)
                    for k in 1 ..< c {
                        let plane = x + k * positions
                        for s in 0 ..< positions {
                            let v = plane[s], m = dst[s]
                            // Once a position holds NaN it keeps it (v > NaN and v != v are both false).
                            dst[s] = v > m || v != v ? v : m
                        }
                    }
                }
            }
        }
        return view.map(out)
    }
}

/// One image of an activation seen as `[channels, positions]` or `[positions, channels]`.
private struct ImageView {
    let tensor: Tensor
    let offset: Int
    let channels: Int
    let positions: Int
    let channelsLast: Bool
    let depth: Int, height: Int, width: Int

    init(_ tensor: Tensor, image b: Int, layout: ActivationLayout) throws {
        let axes = ActivationAxes(shape: tensor.shape, layout: layout)
        switch axes.kind {
        case .spatial2D(let h, let w): (depth, height, width) = (1, h, w)
        case .spatial3D(let d, let h, let w): (depth, height, width) = (d, h, w)
        case .sequence(let t, _): (depth, height, width) = (1, 1, t)
        case .vector, .other:
            throw StrataError(.invalidInput, "an activation of shape \(tensor.shape) has no spatial axes to draw as a map")
        }
        guard b >= 0 && b < tensor.shape[0] else {
            throw StrataError(.invalidInput, "image \(b) is out of range: the batch holds \(tensor.shape[0])")
        }
        self.tensor = tensor
        channels = axes.channels
        positions = depth * height * width
        offset = b * channels * positions
        channelsLast = layout == .nhwc
    }

    /// Runs `body` over the image's values as float32 (the tensor's own memory when it is float32).
    func withValues(_ body: (UnsafePointer<Float>) -> Void) {
        if tensor.dtype == .float32 {
            body(UnsafePointer(tensor.pointer(as: Float.self) + offset))
            return
        }
        var copy = [Float](repeating: 0, count: channels * positions)
        copy.withUnsafeMutableBufferPointer { tensor.copyFloats(from: offset, count: channels * positions, into: $0.baseAddress!) }
        copy.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    func map(_ values: [Float]) -> ActivationMap {
        ActivationMap(depth: depth, height: height, width: width, values: values)
    }
}

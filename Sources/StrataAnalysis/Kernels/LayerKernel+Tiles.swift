import StrataCore

/// The data of `strata filters`: kernel tiles and the weights' histogram.
extension LayerKernel {
    /// One tile per output channel `o`: the mean over the input channels `o` reads (its group's), or
    /// input channel `inputChannel` alone (an index within the group, `0 ..< inputChannelsPerGroup`).
    /// A 2-D kernel gives `kh × kw` tiles, a 1-D one `1 × k`; a depthwise kernel one tile per channel.
    /// For a dense kernel, the one `in × out` matrix (`inputChannel` must be nil). Means are taken in
    /// double and rounded to float32.
    public func tiles(inputChannel: Int? = nil) throws -> KernelTiles {
        if kind == .dense {
            guard inputChannel == nil else { throw error("a dense kernel has no input channels to choose from") }
            return KernelTiles(height: weight.shape[0], width: weight.shape[1], channels: 1, tiles: [weight.floatArray()])
        }
        let (height, width) = try tileSize()
        let inputs = inputChannelsPerGroup
        if let k = inputChannel, k < 0 || k >= inputs {
            throw error("input channel \(k) is out of range: each output channel reads \(inputs)")
        }
        let size = height * width
        let w = weight.pointer(as: Float.self)
        let tiles = (0 ..< outputChannels).map { o -> [Float] in
            if let k = inputChannel { return Array(UnsafeBufferPointer(start: w + offset(output: o, input: k), count: size)) }
            var sums = [Double](repeating: 0, count: size)
            for i in 0 ..< inputs {
                let plane = w + offset(output: o, input: i)
                for p in 0 ..< size { sums[p] += Double(plane[p]) }
            }
            return sums.map { Float($0 / Double(inputs)) }
        }
        return KernelTiles(height: height, width: width, channels: 1, tiles: tiles)
    }

    /// Whether `rgbTiles` applies: a 1-D or 2-D convolution without groups reading 3 channels of a
    /// graph input (`readsGraphInput`).
    public var showsRGB: Bool {
        kind == .convolution && group == 1 && inputChannelsPerGroup == 3 && readsGraphInput && (1 ... 2).contains(spatialShape.count)
    }

    /// One `kh × kw` RGB tile per output channel: pixel `(y, x)` holds input channels 0, 1, 2 at that
    /// tap, in the order the model reads its input's channels.
    public func rgbTiles() throws -> KernelTiles {
        guard showsRGB else {
            throw error("RGB tiles need a convolution without groups reading the 3 channels of a graph input")
        }
        let (height, width) = try tileSize()
        let size = height * width
        let w = weight.pointer(as: Float.self)
        let tiles = (0 ..< outputChannels).map { o -> [Float] in
            var tile = [Float](repeating: 0, count: size * 3)
            for c in 0 ..< 3 {
                let plane = w + offset(output: o, input: c)
                for p in 0 ..< size { tile[p * 3 + c] = plane[p] }
            }
            return tile
        }
        return KernelTiles(height: height, width: width, channels: 3, tiles: tiles)
    }

    /// The histogram of all the kernel's weights, in the buckets of `strata stats`.
    public var histogram: ValueHistogram { ValueHistogram(of: weight) }

    private func tileSize() throws -> (Int, Int) {
        switch spatialShape.count {
        case 1: return (1, spatialShape[0])
        case 2: return (spatialShape[0], spatialShape[1])
        default: throw error("a kernel with \(spatialShape.count) spatial axes has no 2-D tiles", kind: .unsupported)
        }
    }

    /// Element offset of the taps linking output channel `o` to input channel `i` of its group.
    private func offset(output o: Int, input i: Int) -> Int {
        let size = spatialShape.reduce(1, *)
        switch kind {
        case .convolution:
            return (o * weight.shape[1] + i) * size
        case .transposedConvolution:
            let perGroup = weight.shape[1]
            let g = o / perGroup
            return ((g * inputChannelsPerGroup + i) * perGroup + o % perGroup) * size
        case .dense:
            preconditionFailure("dense kernels have no taps")
        }
    }

    private func error(_ message: String, kind: StrataError.Kind = .invalidInput) -> StrataError {
        StrataError(kind, message, at: ErrorLocation(node: node, opType: opType))
    }
}

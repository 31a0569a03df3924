import StrataCore

extension ChannelPlanes {
    /// The patch grid of a vision transformer's token output `[N, T, C]` (channels last in both
    /// Keras and ONNX exports), as pytorch-grad-cam's ViT `reshape_transform` makes it: the leading
    /// `T − height·width` tokens (the class token, and distillation tokens where there are any)
    /// dropped, the rest reshaped row by row to `height × width`, channels made the planes.
    /// Without `grid`, the grid is square: `T` or `T − 1` a perfect square (above 1).
    /// Throws `invalidInput` for another rank, an image out of range, or a token count that fits no
    /// (or not the given) grid.
    public init(tokens tensor: Tensor, image: Int, grid: (height: Int, width: Int)? = nil) throws {
        guard tensor.rank == 3, !tensor.shape.contains(0) else {
            throw StrataError(.invalidInput, "a token output must be [N, tokens, channels], got shape \(tensor.shape)")
        }
        let (batch, tokens, channels) = (tensor.shape[0], tensor.shape[1], tensor.shape[2])
        guard image >= 0, image < batch else { throw StrataError(.invalidInput, "image \(image) is outside the batch of \(batch)") }
        let size: (height: Int, width: Int)
        if let grid {
            let (cells, overflow) = grid.height.multipliedReportingOverflow(by: grid.width)
            guard grid.height > 0, grid.width > 0, !overflow, cells <= tokens else {
                throw StrataError(.invalidInput, "a \(grid.height)×\(grid.width) token grid does not fit \(tokens) tokens")
            }
            size = grid
        } else if let square = Self.squareGrid(tokens: tokens) {
            size = square
        } else {
            throw StrataError(.invalidInput, "\(tokens) tokens are no square patch grid (with or without a class token); give --tokens-grid HxW")
        }
        let cells = size.height * size.width
        let skip = tokens - cells
        var source = [Float](repeating: 0, count: cells * channels)
        source.withUnsafeMutableBufferPointer {
            tensor.copyFloats(from: (image * tokens + skip) * channels, count: cells * channels, into: $0.baseAddress!)
        }
        var values = [Float](repeating: 0, count: cells * channels)
        for p in 0 ..< cells {
            for c in 0 ..< channels { values[c * cells + p] = source[p * channels + c] }
        }
        try self.init(channels: channels, height: size.height, width: size.width, values: values)
    }

    /// The grid `ChannelPlanes(tokens:image:)` takes without one given: `s × s` when `tokens − 1`
    /// (a class token first) or else `tokens` is `s²` with `s > 1`; nil otherwise.
    public static func squareGrid(tokens: Int) -> (height: Int, width: Int)? {
        if let s = squareSide(tokens - 1) { return (s, s) }
        if let s = squareSide(tokens) { return (s, s) }
        return nil
    }

    /// `s` when `n = s²` with `s > 1`.
    static func squareSide(_ n: Int) -> Int? {
        guard n > 1 else { return nil }
        var s = Int(Double(n).squareRoot().rounded())
        while s * s > n { s -= 1 }
        while (s + 1) * (s + 1) <= n { s += 1 }
        return s * s == n ? s : nil
    }
}

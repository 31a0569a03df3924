import StrataCore

extension KerasLayerContext {
    /// NHWC-style `[N, spatial…, C]` → `[N, C, spatial…]` for a value of rank `rank`.
    /// Reuses the value's channels-first twin when an earlier layer made one.
    func toChannelsFirst(_ value: String, rank: Int) throws -> String {
        if let twin = builder.channelsFirstTwins[value] { return twin }
        return try emit("Transpose", [value], ["perm": .ints([0, rank - 1] + Array(1 ..< rank - 1))], step: "ToNCHW")
    }

    /// `[N, C, spatial…]` → `[N, spatial…, C]`; the result remembers `value` as its channels-first twin.
    func toChannelsLast(_ value: String, rank: Int) throws -> String {
        let out = try emit("Transpose", [value], ["perm": .ints([0] + Array(2 ..< rank) + [1])], step: "ToNHWC")
        builder.channelsFirstTwins[out] = value
        return out
    }

    /// Runs a layout-independent `body` (elementwise, scalar parameters only) on the input's channels-first
    /// twin when it has one, so the data stays channels-first for the next layer.
    func layoutFree(_ value: String, _ body: (String) throws -> String) throws -> String {
        guard let twin = builder.channelsFirstTwins[value] else { return try body(value) }
        return try toChannelsLast(try body(twin), rank: try rank(value))
    }

    /// Like `layoutFree` for several inputs of one shape (merge layers): uses the twins when all have one.
    func layoutFree(_ values: [String], _ body: ([String]) throws -> String) throws -> String {
        let twins = values.compactMap { builder.channelsFirstTwins[$0] }
        let shapes = try values.map { try shape($0) }
        guard twins.count == values.count, let first = shapes.first, shapes.allSatisfy({ $0 == first }) else {
            return try body(values)
        }
        return try toChannelsLast(try body(twins), rank: first.count)
    }

    /// Runs `body` on the input in channels-first layout (the ONNX convention), converting in and out
    /// when the layer's data is channels_last.
    func inChannelsFirst(_ value: String, channelsFirst: Bool, _ body: (String) throws -> String) throws -> String {
        if channelsFirst { return try body(value) }
        let rank = try self.rank(value)
        return try toChannelsLast(try body(try toChannelsFirst(value, rank: rank)), rank: rank)
    }

    /// Keras "same" padding for one spatial axis: total padding `max((ceil(n/s)-1)*s + (k-1)*d + 1 - n, 0)`,
    /// the extra odd pixel at the end. Needs the input size; nil when the kernel, stride or dilation is
    /// not positive or the sizes overflow (the caller reports which option).
    static func samePadding(size: Int, kernel: Int, stride: Int, dilation: Int) -> (Int, Int)? {
        guard size >= 0, kernel >= 1, stride >= 1, dilation >= 1,
              let span = CheckedArithmetic.product(kernel - 1, dilation).flatMap({ CheckedArithmetic.sum($0, 1) }),
              let ceiling = CheckedArithmetic.sum(size, stride - 1)
        else { return nil }
        let out = ceiling / stride
        guard let reach = CheckedArithmetic.product(Swift.max(out - 1, 0), stride).flatMap({ CheckedArithmetic.sum($0, span) })
        else { return nil }
        let total = Swift.max(reach - size, 0)
        return (total / 2, total - total / 2)
    }

    /// ONNX `pads` (`[begin…, end…]`) for Keras `padding` over the spatial sizes of a channels-first value.
    func pads(_ padding: String, input: String, kernel: [Int], strides: [Int], dilations: [Int]) throws -> [Int] {
        let n = kernel.count
        guard padding == "same" else { return Array(repeating: 0, count: 2 * n) }
        var begin: [Int] = []
        var end: [Int] = []
        for i in 0 ..< n {
            let size = try knownDim(input, 2 + i)
            guard let (b, e) = Self.samePadding(size: size, kernel: kernel[i], stride: strides[i], dilation: dilations[i]) else {
                throw optionError("padding", "'same' padding cannot be computed for input size \(size), kernel \(kernel), strides \(strides) "
                                  + "and dilations \(dilations)", kind: .invalidModel)
            }
            begin.append(b)
            end.append(e)
        }
        return begin + end
    }
}

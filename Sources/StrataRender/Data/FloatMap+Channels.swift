import StrataCore

extension FloatMap {
    /// Where the channel axis of an interleaved activation or weight block lies.
    public enum ChannelLayout: Sendable, Hashable {
        /// `[height, width, channels]`: Keras' NHWC activations with the batch index fixed.
        case channelsLast
        /// `[channels, height, width]`: ONNX's NCHW activations with the batch index fixed.
        case channelsFirst
    }

    /// Splits `values` (`height · width · channels` floats in `layout`) into one map per channel.
    /// Throws `invalidInput` when the count does not match.
    public static func channels(
        of values: [Float], height: Int, width: Int, channels: Int, layout: ChannelLayout
    ) throws -> [FloatMap] {
        guard height >= 0, width >= 0, channels >= 0 else {
            throw StrataError(.invalidInput, "block size \(height)×\(width)×\(channels) is negative")
        }
        let (plane, o1) = height.multipliedReportingOverflow(by: width)
        let (count, o2) = plane.multipliedReportingOverflow(by: channels)
        guard !o1, !o2, count == values.count else {
            throw StrataError(.invalidInput, "a \(height)×\(width)×\(channels) block needs \(o1 || o2 ? "more than Int.max" : String(count)) values, got \(values.count)")
        }
        return try (0..<channels).map { c in
            let planeValues: [Float]
            switch layout {
            case .channelsFirst:
                planeValues = Array(values[(c * plane)..<((c + 1) * plane)])
            case .channelsLast:
                planeValues = (0..<plane).map { values[$0 * channels + c] }
            }
            return try FloatMap(height: height, width: width, values: planeValues)
        }
    }
}

/// `channels_last` of onnxruntime's `com.microsoft` QLinearGlobalAveragePool and QLinearAveragePool
/// (ContribOperators.md): 1 when the channel axis is the last one, default 0. The average pool's window
/// attributes are read as AveragePool's (`PoolAttributes`).
public struct ChannelsLastAttributes: OpAttributes {
    public static let names = ["channels_last"]

    public var channelsLast: Bool

    public init(node: Node) throws {
        channelsLast = try node.int("channels_last", default: 0) != 0
    }

    public var values: [String: Attribute] { ["channels_last": .int(channelsLast ? 1 : 0)] }
}

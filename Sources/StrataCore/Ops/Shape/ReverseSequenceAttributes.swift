/// The attributes of `ReverseSequence`: the time and batch axes, 0 and 1 in some order.
public struct ReverseSequenceAttributes: OpAttributes {
    public static let names = ["time_axis", "batch_axis"]

    public var timeAxis: Int
    public var batchAxis: Int

    public init(node: Node) throws {
        timeAxis = try node.int("time_axis", default: 0)
        batchAxis = try node.int("batch_axis", default: 1)
        guard Set([timeAxis, batchAxis]) == [0, 1] else {
            throw node.error("time_axis and batch_axis must be 0 and 1 in some order")
        }
    }

    public var values: [String: Attribute] { ["time_axis": .int(timeAxis), "batch_axis": .int(batchAxis)] }
}

/// The attributes of `IsInf`: which infinities it reports.
public struct IsInfAttributes: OpAttributes {
    public static let names = ["detect_negative", "detect_positive"]

    public var detectNegative: Bool
    public var detectPositive: Bool

    public init(node: Node) throws {
        detectNegative = try node.flag("detect_negative", default: true)
        detectPositive = try node.flag("detect_positive", default: true)
    }

    public var values: [String: Attribute] {
        ["detect_negative": .flag(detectNegative), "detect_positive": .flag(detectPositive)]
    }
}

/// The attribute of `STFT`: `onesided` (default 1) keeps the first n/2 + 1 frequencies of each frame.
public struct STFTAttributes: OpAttributes {
    public static let names = ["onesided"]

    public var onesided: Bool

    public init(node: Node) throws {
        onesided = try node.flag("onesided", default: true)
    }

    public var values: [String: Attribute] { ["onesided": .flag(onesided)] }
}

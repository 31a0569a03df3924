/// The attributes of `Pad`: the mode (`wrap` from opset 19), and before opset 11 the `pads` (required) and the constant
/// `value`; from 11 those are inputs and `pads`/`value` are nil.
public struct PadAttributes: OpAttributes {
    public enum Mode: String, Sendable, Hashable { case constant, reflect, edge, wrap }

    public static let names = ["mode", "pads", "value"]

    public var mode: Mode
    public var pads: [Int]?
    public var value: Float?

    public init(node: Node) throws {
        let name = try node.string("mode", default: "constant")
        guard let mode = Mode(rawValue: name), mode != .wrap || node.opset >= 19 else {
            throw node.attributeError("mode", "unknown mode '\(name)'")
        }
        self.mode = mode
        if node.opset < 11 {
            guard let pads = try node.ints("pads") else { throw node.missing("pads") }
            self.pads = pads
            value = try node.float("value", default: 0)
        } else {
            pads = nil
            value = nil
        }
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = ["mode": .string(mode.rawValue)]
        if let pads { v["pads"] = .ints(pads) }
        if let value { v["value"] = .float(value) }
        return v
    }
}

/// The sliding-window attributes of Conv, ConvTranspose and the pools as the node gives them
/// (`kernel_shape`, `strides`, `dilations`, `pads`, `auto_pad`, `ceil_mode`), before they are fitted
/// to a number of spatial axes and a kernel (`SlidingWindow`). The spec gives no default for the
/// lists: absent, they mean 1 (strides, dilations), 0 (pads) or the weight's kernel.
public struct WindowAttributes: OpAttributes {
    public static let names = ["kernel_shape", "strides", "dilations", "pads", "auto_pad", "ceil_mode"]

    public var kernelShape: [Int]?
    public var strides: [Int]?
    public var dilations: [Int]?
    public var pads: [Int]?
    public var autoPad: SlidingWindow.AutoPad
    /// Pools only; Conv has no such attribute.
    public var ceilMode: Bool

    public init(node: Node) throws {
        kernelShape = try node.ints("kernel_shape")
        strides = try node.ints("strides")
        dilations = try node.ints("dilations")
        pads = try node.ints("pads")
        let padText = try node.string("auto_pad", default: "NOTSET")
        guard let autoPad = SlidingWindow.AutoPad(rawValue: padText.isEmpty ? "NOTSET" : padText) else {
            throw node.attributeError("auto_pad", "unknown value '\(padText)'")
        }
        self.autoPad = autoPad
        ceilMode = try node.flag("ceil_mode", default: false)
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = ["auto_pad": .string(autoPad.rawValue), "ceil_mode": .flag(ceilMode)]
        for (name, list) in [("kernel_shape", kernelShape), ("strides", strides), ("dilations", dilations), ("pads", pads)] {
            if let list { v[name] = .ints(list) }
        }
        return v
    }
}

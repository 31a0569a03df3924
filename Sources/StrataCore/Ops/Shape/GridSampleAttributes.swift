/// The attributes of `GridSample`: `mode` (opset 16: "bilinear" (default), "nearest", "bicubic";
/// opset 20 on: "linear" (default), "nearest", "cubic"), `padding_mode` ("zeros" (default),
/// "border", "reflection") and `align_corners` (default 0).
public struct GridSampleAttributes: OpAttributes {
    /// The interpolation, whatever the opset calls it.
    public enum Mode: Sendable, Equatable { case nearest, linear, cubic }
    /// How samples outside the input are read.
    public enum Padding: String, Sendable, Equatable { case zeros, border, reflection }

    public static let names = ["mode", "padding_mode", "align_corners"]

    public var mode: Mode
    public var padding: Padding
    public var alignCorners: Bool
    /// Opset 20's names ("linear", "cubic") rather than opset 16's ("bilinear", "bicubic").
    private var newNames: Bool

    public init(node: Node) throws {
        newNames = node.opset >= 20
        let name = try node.string("mode", default: newNames ? "linear" : "bilinear")
        switch (name, newNames) {
        case ("nearest", _): mode = .nearest
        case ("linear", true), ("bilinear", false): mode = .linear
        case ("cubic", true), ("bicubic", false): mode = .cubic
        default: throw node.attributeError("mode", "unknown mode '\(name)'")
        }
        let paddingName = try node.string("padding_mode", default: "zeros")
        guard let p = Padding(rawValue: paddingName) else {
            throw node.attributeError("padding_mode", "unknown padding mode '\(paddingName)'")
        }
        padding = p
        alignCorners = try node.int("align_corners", default: 0) != 0
    }

    public var values: [String: Attribute] {
        let name: String
        switch mode {
        case .nearest: name = "nearest"
        case .linear: name = newNames ? "linear" : "bilinear"
        case .cubic: name = newNames ? "cubic" : "bicubic"
        }
        return ["mode": .string(name), "padding_mode": .string(padding.rawValue), "align_corners": .flag(alignCorners)]
    }
}

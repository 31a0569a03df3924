/// An opaque 8-bit sRGB colour.
public struct RGB: Sendable, Hashable, CustomStringConvertible {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)

    public var description: String { "RGB(\(red), \(green), \(blue))" }

    /// The components as cairo's 0...1 doubles.
    var unit: (Double, Double, Double) { (Double(red) / 255, Double(green) / 255, Double(blue) / 255) }
}

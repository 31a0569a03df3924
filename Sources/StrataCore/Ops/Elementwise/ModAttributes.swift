/// The attributes of `Mod`: with `fmod` 0 (default) the result takes the divisor's sign, as
/// Python's `%`; with 1 the dividend's, as C's `fmod`.
public struct ModAttributes: OpAttributes {
    public static let names = ["fmod"]

    public var fmod: Bool

    public init(node: Node) throws {
        switch try node.int("fmod", default: 0) {
        case 0: fmod = false
        case 1: fmod = true
        case let other: throw node.attributeError("fmod", "expected 0 or 1, found \(other)")
        }
    }

    public var values: [String: Attribute] { ["fmod": .flag(fmod)] }
}

/// The attribute of `Transpose`: the permutation, by default the reversed axes.
public struct TransposeAttributes: OpAttributes {
    public static let names = ["perm"]

    /// As given; nil for the default.
    public var perm: [Int]?

    public init(node: Node) throws {
        perm = try node.ints("perm")
    }

    /// The permutation for an input of rank `rank`, checked to be one of `0..<rank`.
    public func permutation(rank: Int, node: Node) throws -> [Int] {
        guard let perm else { return Array((0..<rank).reversed()) }
        guard perm.count == rank else {
            throw node.attributeError("perm", "has \(perm.count) entries for an input of rank \(rank)")
        }
        return try ShapeAlgebra.normalizeAxes(perm, rank: rank, node: node, name: "perm")
    }

    public var values: [String: Attribute] { perm.map { ["perm": .ints($0)] } ?? [:] }
}

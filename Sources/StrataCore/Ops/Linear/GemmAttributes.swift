/// The attributes of `Gemm` (and `com.microsoft` `QGemm`): `alpha · op(A) · op(B) + beta · C`.
public struct GemmAttributes: OpAttributes {
    public static let names = ["transA", "transB", "alpha", "beta"]

    public var transA: Bool
    public var transB: Bool
    public var alpha: Float
    public var beta: Float

    public init(node: Node) throws {
        transA = try node.flag("transA", default: false)
        transB = try node.flag("transB", default: false)
        alpha = try node.float("alpha", default: 1)
        beta = try node.float("beta", default: 1)
    }

    public var values: [String: Attribute] {
        ["transA": .flag(transA), "transB": .flag(transB), "alpha": .float(alpha), "beta": .float(beta)]
    }
}

/// The attributes of `NegativeLogLikelihoodLoss` and `SoftmaxCrossEntropyLoss`: how the per-element
/// losses are combined, and the target value that contributes nothing.
public struct LossAttributes: OpAttributes {
    public enum Reduction: String, Sendable, Hashable { case none, sum, mean }

    public static let names = ["reduction", "ignore_index"]

    public var reduction: Reduction
    public var ignoreIndex: Int?

    public init(node: Node) throws {
        let text = try node.string("reduction", default: "mean")
        guard let reduction = Reduction(rawValue: text) else {
            throw node.attributeError("reduction", "expected none, sum or mean, found '\(text)'")
        }
        self.reduction = reduction
        ignoreIndex = try node.int("ignore_index")
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = ["reduction": .string(reduction.rawValue)]
        if let ignoreIndex { v["ignore_index"] = .int(ignoreIndex) }
        return v
    }
}

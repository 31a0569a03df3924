/// The attribute of `NonMaxSuppression`: `center_point_box` 0 (default) reads boxes as two corners
/// `[y1, x1, y2, x2]`, 1 as `[x_center, y_center, width, height]`.
public struct NonMaxSuppressionAttributes: OpAttributes {
    public static let names = ["center_point_box"]

    /// Boxes are `[x_center, y_center, width, height]` (`center_point_box` 1).
    public var centerPointBox: Bool

    public init(node: Node) throws {
        let format = try node.int("center_point_box", default: 0)
        guard format == 0 || format == 1 else {
            throw node.attributeError("center_point_box", "must be 0 or 1, found \(format)")
        }
        centerPointBox = format == 1
    }

    public var values: [String: Attribute] { ["center_point_box": .int(centerPointBox ? 1 : 0)] }
}

/// A JSON tree type that `JSONScanner` can build directly, one constructor per JSON kind, so that each
/// caller gets its own tree without a conversion pass.
public protocol JSONBuildable {
    static var jsonNull: Self { get }
    static func jsonBool(_ value: Bool) -> Self
    static func jsonInt(_ value: Int) -> Self
    static func jsonDouble(_ value: Double) -> Self
    static func jsonString(_ value: String) -> Self
    static func jsonArray(_ elements: [Self]) -> Self
    /// The members in the order the text gives them, a repeated key included.
    static func jsonObject(_ members: [(String, Self)]) -> Self
}

import StrataCore

/// How `JSONScanner` builds a `KerasJSON`: of a repeated key the last value is kept, as Python's
/// `json` keeps it.
extension KerasJSON: JSONBuildable {
    public static var jsonNull: KerasJSON { .null }
    public static func jsonBool(_ value: Bool) -> KerasJSON { .bool(value) }
    public static func jsonInt(_ value: Int) -> KerasJSON { .int(value) }
    public static func jsonDouble(_ value: Double) -> KerasJSON { .double(value) }
    public static func jsonString(_ value: String) -> KerasJSON { .string(value) }
    public static func jsonArray(_ elements: [KerasJSON]) -> KerasJSON { .array(elements) }

    public static func jsonObject(_ members: [(String, KerasJSON)]) -> KerasJSON {
        .object(Dictionary(members, uniquingKeysWith: { _, last in last }))
    }
}

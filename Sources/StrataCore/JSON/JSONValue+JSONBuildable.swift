/// How `JSONScanner` builds a `JSONValue`: objects sorted by key, the last of a repeated key kept.
extension JSONValue: JSONBuildable {
    public static var jsonNull: JSONValue { .null }
    public static func jsonBool(_ value: Bool) -> JSONValue { .bool(value) }
    public static func jsonInt(_ value: Int) -> JSONValue { .int(value) }
    public static func jsonDouble(_ value: Double) -> JSONValue { .double(value) }
    public static func jsonString(_ value: String) -> JSONValue { .string(value) }
    public static func jsonArray(_ elements: [JSONValue]) -> JSONValue { .array(elements) }

    public static func jsonObject(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(Dictionary(members, uniquingKeysWith: { _, last in last }).sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }
}

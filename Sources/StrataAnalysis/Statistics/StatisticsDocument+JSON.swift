import Foundation
import StrataCore

/// The JSON form of a statistics document: writing, and reading with validation.
extension StatisticsDocument {
    public var json: JSONValue {
        var members: [(String, JSONValue)] = []
        if let model { members.append(("model", .string(model))) }
        members += [
            ("layout", .string(layout.rawValue)),
            ("inputs", .int(inputs)),
            ("skipped", .array(skipped.map(JSONValue.string))),
            ("layers", .array(layers.map(\.json))),
        ]
        return .object(members)
    }

    /// The document as pretty JSON text, ending in a newline.
    public func rendered() -> String { json.rendered(pretty: true) + "\n" }

    /// The largest statistics file `read` accepts.
    public static let maximumFileSize = 1 << 30

    /// Reads a document written by `rendered()`, checking every field a merge relies on; errors name
    /// `path`, the layer and the field.
    public static func read(_ path: String) throws -> StatisticsDocument {
        // InputFile refuses FIFOs, devices and folders before reading, and files above the limit.
        let data = try InputFile.contents(path, limit: maximumFileSize)
        return try StatisticsDocument(json: try JSONValue.parse(data, file: path), file: path)
    }

    /// A document from its JSON form; `file` names the source in errors.
    public init(json: JSONValue, file: String?) throws {
        let root = JSONField(json, file: file)
        guard json.members != nil else { throw root.error("expected a statistics object, found \(root.kind)") }
        let layoutField = try root.field("layout")
        guard let layout = ActivationLayout(rawValue: try layoutField.string()) else {
            throw layoutField.error("expected \"NCHW\" or \"NHWC\"")
        }
        self.layout = layout
        model = try root.optionalField("model")?.string()
        inputs = try root.field("inputs").count()
        skipped = try root.field("skipped").items().map { try $0.string() }
        layers = try root.field("layers").items().map { try LayerStatistics(json: $0, layout: layout) }
        var seen: Set<LayerStatistics.Key> = []
        for layer in layers where !seen.insert(layer.key).inserted {
            throw StrataError(.invalidInput, "\(layer.key) appears twice", at: ErrorLocation(file: file))
        }
    }
}

import Foundation
import StrataCore

/// One row of a Keras `model.summary()`: a layer (nested layers follow their model, as `outer/inner`),
/// its parameter counts and the layers feeding its first call. The importer stores the rows in
/// `Model.metadata[KerasLayerSummary.metadataKey]`; read them back with `rows(of:)`.
public struct KerasLayerSummary: Sendable, Codable, Hashable {
    public var layer: String
    public var className: String
    /// 0 for the model's own layers, 1 inside a nested model, …
    public var depth: Int
    public var trainable: Int
    public var nonTrainable: Int
    /// Inputs of the layer's first call as `layer[call][output]`.
    public var connectedTo: [String]

    public var parameters: Int { trainable + nonTrainable }

    public static let metadataKey = "keras.summary"

    /// The rows stored in a model imported from a Keras file; nil for other models.
    public static func rows(of model: Model) -> [KerasLayerSummary]? {
        guard let text = model.metadata[metadataKey] else { return nil }
        return try? JSONDecoder().decode([KerasLayerSummary].self, from: Data(text.utf8))
    }

    /// Trainable and non-trainable totals over the top-level rows, as Keras reports them.
    public static func totals(_ rows: [KerasLayerSummary]) -> (trainable: Int, nonTrainable: Int) {
        let top = rows.filter { $0.depth == 0 }
        return (top.reduce(0) { $0 + $1.trainable }, top.reduce(0) { $0 + $1.nonTrainable })
    }

    static func encode(_ rows: [KerasLayerSummary]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(rows)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }
}

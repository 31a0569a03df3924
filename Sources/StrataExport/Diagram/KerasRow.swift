import Foundation
import StrataCore

/// One row of the Keras layer summary that the Keras importer stores as JSON in
/// `Model.metadata["keras.summary"]` (its `KerasLayerSummary`): a layer path, its class, its
/// parameter counts and the layers feeding its first call as `layer[call][output]`. Read here
/// without depending on the importer, for the layers that lower to no op and for Keras's own
/// parameter counts.
struct KerasRow: Decodable {
    var layer: String
    var className: String
    var trainable: Int
    var nonTrainable: Int
    var connectedTo: [String]

    var parameters: Int { trainable + nonTrainable }

    static let metadataKey = "keras.summary"

    /// The rows of `model`, or nil when it has none (not from Keras, or unreadable).
    static func rows(of model: Model) -> [KerasRow]? {
        guard let text = model.metadata[metadataKey] else { return nil }
        return try? JSONDecoder().decode([KerasRow].self, from: Data(text.utf8))
    }
}

import StrataCore

/// `manifest.json` of a picture folder (`strata maps`, `strata filters`): the model, the inputs, and
/// one row per file written.
///
/// ```json
/// {"model": "m.keras", "inputs": ["cat.jpg"],
///  "files": [{"layer": "conv1", "tensor": "conv1/Relu:0", "output": 0, "image": "cat.jpg",
///             "kind": "grid", "file": "cat/conv1-grid.png", "shape": [1, 112, 112, 64],
///             "min": 0, "max": 5.25}]}
/// ```
/// `image` is null for files that depend on no input (filters); `min`/`max` are the range of the
/// values the file shows (null when there are none, or none are finite).
public struct PictureManifest: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case grid, mean, max, overlay, bars, heatmap, histogram
    }

    public struct Row: Sendable {
        public var layer: String
        public var tensor: String
        public var output: Int
        public var image: String?
        public var kind: Kind
        public var file: String
        public var shape: [Int]
        public var min: Double?
        public var max: Double?

        public init(layer: String, tensor: String, output: Int, image: String?, kind: Kind, file: String, shape: [Int],
                    min: Double?, max: Double?) {
            self.layer = layer
            self.tensor = tensor
            self.output = output
            self.image = image
            self.kind = kind
            self.file = file
            self.shape = shape
            self.min = min
            self.max = max
        }
    }

    public static let fileName = "manifest.json"

    public var model: String
    public var inputs: [String]
    public var files: [Row]

    public init(model: String, inputs: [String] = [], files: [Row] = []) {
        self.model = model
        self.inputs = inputs
        self.files = files
    }

    public var json: JSONValue {
        func number(_ value: Double?) -> JSONValue {
            guard let value, value.isFinite else { return .null }
            return .double(value)
        }
        return .object([
            ("model", .string(model)),
            ("inputs", .array(inputs.map(JSONValue.string))),
            ("files", .array(files.map { row in
                .object([
                    ("layer", .string(row.layer)), ("tensor", .string(row.tensor)), ("output", .int(row.output)),
                    ("image", row.image.map(JSONValue.string) ?? .null), ("kind", .string(row.kind.rawValue)),
                    ("file", .string(row.file)), ("shape", .array(row.shape.map(JSONValue.int))),
                    ("min", number(row.min)), ("max", number(row.max)),
                ])
            })),
        ])
    }
}

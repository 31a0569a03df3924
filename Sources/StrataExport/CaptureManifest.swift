import StrataCore

/// `manifest.json` of a capture folder: which model ran on which inputs, and which file holds
/// each captured activation.
///
/// ```json
/// {"model": "m.onnx", "format": "onnx",
///  "inputs": [{"name": "x", "file": "x.npy", "shape": [1, 3], "dtype": "float32"}],
///  "activations": [{"layer": "conv1", "op": "Conv", "output": 0, "tensor": "conv1_out",
///                   "file": "conv1.npy", "shape": [1, 8, 4, 4], "dtype": "float32"}]}
/// ```
/// `call` appears after `op` only for layers called more than once (Keras).
public struct CaptureManifest: Sendable {
    /// One graph input fed to the run: its name, the file it was read from, shape and dtype.
    public struct Input: Sendable, Hashable {
        public var name: String
        public var file: String
        public var shape: [Int]
        public var dtype: DType

        public init(name: String, file: String, shape: [Int], dtype: DType) {
            self.name = name
            self.file = file
            self.shape = shape
            self.dtype = dtype
        }
    }

    /// One captured tensor and the file (inside the capture folder) that holds it.
    public struct Activation: Sendable, Hashable {
        public var layer: LayerOutput
        public var file: String
        public var shape: [Int]
        /// The dtype as written to the file (bfloat16 is written as float32).
        public var dtype: DType

        public init(layer: LayerOutput, file: String, shape: [Int], dtype: DType) {
            self.layer = layer
            self.file = file
            self.shape = shape
            self.dtype = dtype
        }
    }

    public var model: String
    public var format: ModelFormat
    public var inputs: [Input]
    public var activations: [Activation]

    public init(model: String, format: ModelFormat, inputs: [Input] = [], activations: [Activation] = []) {
        self.model = model
        self.format = format
        self.inputs = inputs
        self.activations = activations
    }

    public var json: JSONValue {
        .object([
            ("model", .string(model)),
            ("format", .string(format.rawValue)),
            ("inputs", .array(inputs.map { input in
                .object([
                    ("name", .string(input.name)), ("file", .string(input.file)),
                    ("shape", .array(input.shape.map(JSONValue.int))), ("dtype", .string(input.dtype.rawValue)),
                ])
            })),
            ("activations", .array(activations.map { a in
                var members: [(String, JSONValue)] = [("layer", .string(a.layer.layer)), ("op", .string(a.layer.op))]
                if let call = a.layer.call { members.append(("call", .int(call))) }
                members += [
                    ("output", .int(a.layer.output)), ("tensor", .string(a.layer.tensor)), ("file", .string(a.file)),
                    ("shape", .array(a.shape.map(JSONValue.int))), ("dtype", .string(a.dtype.rawValue)),
                ]
                return .object(members)
            })),
        ])
    }

    /// Writes `manifest.json` into `folder` atomically.
    public func write(toFolder folder: String) throws {
        try AtomicFile.write(folder + "/" + Self.fileName, data: Array((json.rendered() + "\n").utf8))
    }

    public static let fileName = "manifest.json"
}

import StrataCore

/// `manifest.json` of a capture folder: which model ran on which inputs, and which file holds
/// each captured activation.
///
/// ```json
/// {"model": "m.onnx", "format": "onnx",
///  "inputs": [{"name": "x", "file": "x.npy", "shape": [1, 3], "dtype": "float32"}],
///  (an input fed by images has "images": [files] and "preprocessing": "<summary>" instead of "file")
///  "activations": [{"layer": "conv1", "op": "Conv", "output": 0, "tensor": "conv1_out",
///                   "file": "conv1.npy", "shape": [1, 8, 4, 4], "dtype": "float32"}]}
/// ```
/// `call` appears after `op` only for layers called more than once (Keras). A tensor inside a
/// `Loop` or `Scan` body adds `"iterations": N` and `"stacked": true` when its file stacks the N
/// iterations along a new first axis, or, when their shapes differ, one row per iteration with
/// `"iteration": i` and `"stacked": false`. A sequence value is one row per element, each with
/// `"sequence": N` and `"element": k` (its file `<layer>__seq<k>.npy`), or for an empty sequence one
/// row with `"sequence": 0` and no file or shape; an optional value adds `"optional": "present"` to
/// the rows of what it holds, or is one row with `"optional": "empty"` and no file or shape. A run with gradients
/// (`strata run --grad`) adds, after each activation's row, a row with `"kind": "grad"` whose file
/// (`<file>.grad.npy`) holds the gradient of the target with respect to that activation, and a
/// `"gradient"` object before `activations` saying what was differentiated. A low-bit tensor
/// (float8, float4, int4, int2), written exactly widened to float32, int8 or uint8, adds
/// `"held_dtype"` after `dtype` naming its own type.
public struct CaptureManifest: Sendable {
    /// One graph input fed to the run: its name, where its values came from (a `.npy` file, or
    /// image files and what was done to them), shape and dtype.
    public struct Input: Sendable, Hashable {
        public var name: String
        /// The `.npy` file the tensor was read from; nil when images fed the input.
        public var file: String?
        /// The image files that fed the input, in batch order; empty for `.npy` inputs.
        public var images: [String]
        /// One line saying how the images were preprocessed; nil for `.npy` inputs.
        public var preprocessing: String?
        public var shape: [Int]
        public var dtype: DType

        public init(name: String, file: String, shape: [Int], dtype: DType) {
            self.name = name
            self.file = file
            self.images = []
            self.preprocessing = nil
            self.shape = shape
            self.dtype = dtype
        }

        public init(name: String, images: [String], preprocessing: String, shape: [Int], dtype: DType) {
            self.name = name
            self.file = nil
            self.images = images
            self.preprocessing = preprocessing
            self.shape = shape
            self.dtype = dtype
        }
    }

    /// One captured tensor and the file (inside the capture folder) that holds it.
    public struct Activation: Sendable, Hashable {
        /// What a row's file holds.
        public enum Kind: String, Sendable, Hashable {
            /// The layer's output.
            case activation
            /// The gradient of the run's target with respect to the layer's output.
            case grad
        }

        public var layer: LayerOutput
        public var kind: Kind = .activation
        /// "" for a row without a file (an empty sequence or optional).
        public var file: String
        /// For an element of a sequence value: the sequence's length (0 for an empty sequence's row).
        public var sequenceLength: Int?
        /// For an element of a sequence value: its position.
        public var element: Int?
        /// For an optional value: whether it held a value.
        public var optionalPresent: Bool?
        public var shape: [Int]
        /// The dtype as written to the file (bfloat16 is written as float32).
        public var dtype: DType
        /// For a low-bit tensor (float8, float4, int4, int2; written exactly widened, see
        /// `NPYDescriptor.storedDType`): the dtype it had, written as `"held_dtype"`.
        public var heldDType: DType?

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
    /// What a gradient run differentiated (written as `"gradient"`); nil for plain captures.
    public var gradient: JSONValue?

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
                var members: [(String, JSONValue)] = [("name", .string(input.name))]
                if let file = input.file { members.append(("file", .string(file))) }
                if !input.images.isEmpty { members.append(("images", .array(input.images.map(JSONValue.string)))) }
                if let preprocessing = input.preprocessing { members.append(("preprocessing", .string(preprocessing))) }
                members += [("shape", .array(input.shape.map(JSONValue.int))), ("dtype", .string(input.dtype.rawValue))]
                return .object(members)
            })),
        ] + (gradient.map { [("gradient", $0)] } ?? []) + [
            ("activations", .array(activations.map { a in
                var members: [(String, JSONValue)] = [("layer", .string(a.layer.layer)), ("op", .string(a.layer.op))]
                if let call = a.layer.call { members.append(("call", .int(call))) }
                members += [("output", .int(a.layer.output)), ("tensor", .string(a.layer.tensor))]
                if !a.file.isEmpty {
                    members += [("file", .string(a.file)), ("shape", .array(a.shape.map(JSONValue.int)))]
                }
                members.append(("dtype", .string(a.dtype.rawValue)))
                if let held = a.heldDType { members.append(("held_dtype", .string(held.rawValue))) }
                if let length = a.sequenceLength {
                    members.append(("sequence", .int(length)))
                    if let element = a.element { members.append(("element", .int(element))) }
                }
                if let present = a.optionalPresent { members.append(("optional", .string(present ? "present" : "empty"))) }
                if let iterations = a.layer.iterations {
                    members.append(("iterations", .int(iterations)))
                    if let iteration = a.layer.iteration { members.append(("iteration", .int(iteration))) }
                    members.append(("stacked", .bool(a.layer.iteration == nil)))
                }
                if a.kind != .activation { members.append(("kind", .string(a.kind.rawValue))) }
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

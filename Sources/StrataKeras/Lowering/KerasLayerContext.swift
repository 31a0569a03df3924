import StrataCore

/// Everything a layer lowering gets for one call of one layer: the layer's config, the IR values of the
/// call's inputs, its stored variables, and ways to emit nodes named after the layer.
///
/// A lowering reads options with the typed getters (defaults are Keras' defaults), checks each variable's
/// shape with `weight(_:_:shape:)`, emits ONNX ops with `emit`, and returns the IR values of the call's
/// outputs in Keras' order. Errors made with `error` name the file, the layer and its class.
final class KerasLayerContext {
    let spec: KerasLayerSpec
    /// The layer's capture name: its Keras name, or `outer/inner` inside nested models.
    let path: String
    /// 0-based call index of this layer.
    let call: Int
    /// IR values of the positional tensor arguments, flattened in order.
    let inputs: [String]
    /// IR values of tensors passed by keyword (`mask`, `initial_state`, …).
    let kwargTensors: [String: [String]]
    /// Positional arguments in order: IR values for tensors, JSON for plain values.
    var arguments: [Operand] = []

    enum Operand {
        case value(String)
        case constant(KerasJSON)
    }
    let kwargs: [String: KerasJSON]
    /// Major version of the Keras that wrote the file (2 or 3); a few definitions differ between them.
    let kerasMajor: Int
    let builder: GraphBuilder
    /// The dtype the layer computes in (its dtype policy's compute dtype); float32 constants and variables
    /// made through the context are stored in it (`inComputeDType`).
    var computeDType: DType = .float32
    private let variables: [KerasVariable]
    private let sharedValues: SharedValues

    /// Initializers already made for a layer's variables, so a layer called several times shares them.
    final class SharedValues {
        var values: [String: String] = [:]
    }

    init(
        spec: KerasLayerSpec, path: String, call: Int, inputs: [String], kwargTensors: [String: [String]],
        kwargs: [String: KerasJSON], kerasMajor: Int, builder: GraphBuilder,
        variables: [KerasVariable], sharedValues: SharedValues
    ) {
        self.spec = spec
        self.path = path
        self.call = call
        self.inputs = inputs
        self.kwargTensors = kwargTensors
        self.kwargs = kwargs
        self.kerasMajor = kerasMajor
        self.builder = builder
        self.variables = variables
        self.sharedValues = sharedValues
    }

    var className: String { spec.className }
    var config: KerasJSON { spec.config }
    var source: SourceInfo { SourceInfo(name: path, type: spec.className) }
    /// Base for node names: the layer path, with the call index for calls after the first.
    var nodeBase: String { call == 0 ? path : "\(path):call\(call)" }

    // MARK: Errors

    func error(_ message: String, kind: StrataError.Kind = .invalidModel) -> StrataError {
        StrataError(kind, message, at: ErrorLocation(file: builder.file, node: path, opType: className))
    }

    func optionError(_ key: String, _ message: String, kind: StrataError.Kind = .unsupported) -> StrataError {
        StrataError(kind, message, at: ErrorLocation(file: builder.file, node: path, opType: className, detail: "option '\(key)'"))
    }

    // MARK: Inputs

    /// The positional arguments as IR values, numbers becoming scalar constants of the first tensor's dtype
    /// (`keras.ops.multiply(x, 2.0)`); other plain values are an error.
    func operandValues() throws -> [String] {
        guard arguments.contains(where: { if case .constant = $0 { return true } else { return false } }) else { return inputs }
        return try arguments.map { operand in
            switch operand {
            case .value(let v): return v
            case .constant(let json):
                guard let d = json.double else { throw error("a positional argument is neither a tensor nor a number", kind: .unsupported) }
                return try constant(floats: [Float(d)], shape: [], "operand")
            }
        }
    }

    /// The single input of a one-input layer.
    func singleInput() throws -> String {
        guard inputs.count == 1 else { throw error("expected 1 input tensor, got \(inputs.count)") }
        return inputs[0]
    }

    func shape(_ value: String) throws -> [Dim] {
        guard let shape = builder.type(of: value)?.shape else { throw error("the shape of its input is unknown", kind: .unsupported) }
        return shape
    }

    func rank(_ value: String) throws -> Int { try shape(value).count }

    /// A dimension that must be known (channels, features).
    func knownDim(_ value: String, _ axis: Int) throws -> Int {
        let s = try shape(value)
        let a = axis < 0 ? axis + s.count : axis
        guard a >= 0, a < s.count, let d = s[a].value else {
            throw error("input dimension \(axis) of shape \(s.shapeDescription) must be known", kind: .unsupported)
        }
        return d
    }

    // MARK: Config options

    func has(_ key: String) -> Bool { config[key].map { !$0.isNull } ?? false }

    /// The largest magnitude of an integer option. Keras' sizes, axes and counts are far smaller
    /// (TensorFlow keeps most of them in 32 bits); refusing larger ones keeps sums and products of a
    /// few options and known dims inside `Int`.
    static let largestOption = Int(Int32.max)

    func int(_ key: String, default value: Int? = nil) throws -> Int {
        guard let json = config[key], !json.isNull else {
            if let value { return value }
            throw optionError(key, "missing", kind: .invalidModel)
        }
        let parsed: Int
        if let i = json.int {
            parsed = i
        } else if let list = json.ints, list.count == 1 {
            parsed = list[0]
        } else {
            throw optionError(key, "expected an integer", kind: .invalidModel)
        }
        return try bounded(key, [parsed])[0]
    }

    /// An integer option that must be at least `minimum` (Keras' constructors refuse the rest):
    /// `filters`, `units`, `num_heads` …
    func int(_ key: String, default value: Int? = nil, atLeast minimum: Int) throws -> Int {
        let v = try int(key, default: value)
        guard v >= minimum else { throw optionError(key, "must be at least \(minimum), found \(v)", kind: .invalidModel) }
        return v
    }

    /// An int tuple of `count` entries; a single int is repeated (`kernel_size=3` → `[3, 3]`).
    func ints(_ key: String, count: Int, default value: [Int]? = nil) throws -> [Int] {
        guard let json = config[key], !json.isNull else {
            if let value { return value }
            throw optionError(key, "missing", kind: .invalidModel)
        }
        guard let list = json.ints else { throw optionError(key, "expected integers", kind: .invalidModel) }
        _ = try bounded(key, list)
        if list.count == 1 && count > 1 { return Array(repeating: list[0], count: count) }
        guard list.count == count else { throw optionError(key, "expected \(count) integers, found \(list.count)", kind: .invalidModel) }
        return list
    }

    /// An int tuple whose entries must all be positive, as Keras' `standardize_tuple` requires of
    /// `kernel_size`, `strides`, `dilation_rate` and `pool_size`.
    func positiveInts(_ key: String, count: Int, default value: [Int]? = nil) throws -> [Int] {
        let list = try ints(key, count: count, default: value)
        guard list.allSatisfy({ $0 > 0 }) else {
            throw optionError(key, "values must be positive, found \(list)", kind: .invalidModel)
        }
        return list
    }

    /// An int list of any length (`axis=[1, 2]` or `axis=1`), nil when absent or null.
    func intList(_ key: String) throws -> [Int]? {
        guard let json = config[key], !json.isNull else { return nil }
        guard let list = json.ints else { throw optionError(key, "expected integers", kind: .invalidModel) }
        return try bounded(key, list)
    }

    private func bounded(_ key: String, _ values: [Int]) throws -> [Int] {
        if let v = values.first(where: { $0 > Self.largestOption || $0 < -Self.largestOption }) {
            throw optionError(key, "value \(v) is out of range (at most \(Self.largestOption) in magnitude)", kind: .invalidModel)
        }
        return values
    }

    func float(_ key: String, default value: Float? = nil) throws -> Float {
        guard let json = config[key], !json.isNull else {
            if let value { return value }
            throw optionError(key, "missing", kind: .invalidModel)
        }
        guard let d = json.double else { throw optionError(key, "expected a number", kind: .invalidModel) }
        return Float(d)
    }

    func optionalFloat(_ key: String) throws -> Float? {
        has(key) ? try float(key) : nil
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let json = config[key], !json.isNull else { return value }
        guard let b = json.bool else { throw optionError(key, "expected true or false", kind: .invalidModel) }
        return b
    }

    func string(_ key: String, default value: String? = nil) throws -> String {
        guard let json = config[key], !json.isNull else {
            if let value { return value }
            throw optionError(key, "missing", kind: .invalidModel)
        }
        guard let s = json.string else { throw optionError(key, "expected a string", kind: .invalidModel) }
        return s
    }

    /// `padding`: "valid", "same" (or "causal" when `allowCausal`), lowercased.
    func padding(allowCausal: Bool = false) throws -> String {
        let p = try string("padding", default: "valid").lowercased()
        guard p == "valid" || p == "same" || (allowCausal && p == "causal") else {
            throw optionError("padding", "'\(p)' is not supported")
        }
        return p
    }

    /// Whether `data_format` is channels_first (Keras' default is channels_last).
    func channelsFirst() throws -> Bool {
        let format = try string("data_format", default: "channels_last")
        switch format {
        case "channels_last": return false
        case "channels_first": return true
        default: throw optionError("data_format", "'\(format)' is not channels_last or channels_first", kind: .invalidModel)
        }
    }

    // MARK: Variables

    var variableCount: Int { variables.count }

    /// The stored variables' names in order, as the file gives them (`mha/query/kernel`, `query_dense/0`).
    var variableNames: [String] { variables.map(\.name) }

    /// Variable `index` (named `name` in messages), its declared shape checked against `shape` when
    /// given before anything is read.
    func weight(_ index: Int, _ name: String, shape expected: [Int]? = nil) throws -> Tensor {
        let variable = try declaredWeight(index, name, shape: expected)
        return try variable.load()
    }

    /// Variable `index` as the file declares it, not read yet, checked against `shape` when given.
    func declaredWeight(_ index: Int, _ name: String, shape expected: [Int]? = nil) throws -> KerasVariable {
        guard index < variables.count else {
            throw error("weight '\(name)' is missing from the file (the layer has \(variables.count) stored weights)")
        }
        let variable = variables[index]
        if let expected, variable.shape != expected {
            throw error("weight '\(name)' has shape \(variable.shape) but the layer config needs \(expected)")
        }
        guard variable.dtype == .float32 else { throw error("weight '\(name)' is not floating point") }
        return variable
    }

    /// Variable `index` as an initializer value (made once per layer, shared by all its calls). `transform`
    /// reshapes or transposes the stored tensor into the layout the ONNX op wants. A variable imported
    /// for its shape only becomes zeros of the resulting type over untouched pages, its bytes not read.
    func weightValue(_ index: Int, _ name: String, shape: [Int]? = nil, transform: KerasWeightTransform? = nil) throws -> String {
        let key = "\(index):\(name)" + (computeDType == .float32 ? "" : ":\(computeDType.rawValue)")
        if let existing = sharedValues.values[key] { return existing }
        let variable = try declaredWeight(index, name, shape: shape)
        let tensor: Tensor
        if variable.hasValues {
            let stored = try variable.load()
            tensor = try inComputeDType(try transform?.apply(stored) ?? stored)
        } else {
            let shape = transform?.shape(variable.shape) ?? variable.shape
            // The dtype `inComputeDType` gives a float32 weight.
            let dtype = computeDType.isFloatingPoint ? computeDType : variable.dtype
            tensor = try ZeroPages.tensor(dtype, shape, for: "weight '\(name)' of layer '\(path)'")
        }
        let value = builder.constant(tensor, name: "\(path)/\(name)")
        sharedValues.values[key] = value
        return value
    }

    // MARK: Emitting

    /// Emits one node with a single output; its name is `<layer>/<step or op>`.
    @discardableResult
    func emit(_ op: String, _ inputs: [String], _ attributes: [String: Attribute] = [:], step: String? = nil) throws -> String {
        let name = "\(nodeBase)/\(step ?? op)"
        if let y = try emitWithSeparateBias(op, inputs, attributes, name: name) { return y }
        return try builder.add(op, inputs, attributes, name: name, source: source)[0]
    }

    /// Emits one node with several outputs.
    func emitMany(_ op: String, _ inputs: [String], _ attributes: [String: Attribute] = [:], outputs: Int, step: String? = nil) throws -> [String] {
        try builder.add(op, inputs, attributes, outputCount: outputs, name: "\(nodeBase)/\(step ?? op)", source: source)
    }

    /// The element count of a constant of `shape` the lowering is about to build from config values
    /// (sizes that no stored weight vouches for), after checking that it fits in `MemoryLimit`.
    func constantCount(_ shape: [Int], bytesPerElement: Int = 4, _ what: String) throws -> Int {
        guard let count = shape.checkedElementCount, let bytes = CheckedArithmetic.product(count, bytesPerElement),
              bytes <= MemoryLimit.bytes
        else {
            throw error("the \(what) constant of shape \(shape) is larger than the memory limit (\(MemoryLimit.describe(bytes: MemoryLimit.bytes)))",
                        kind: .resourceLimit)
        }
        return count
    }

    /// A constant input (an initializer named after the layer).
    func constant(_ tensor: Tensor, _ name: String) throws -> String {
        builder.constant(try inComputeDType(tensor), name: "\(nodeBase)/\(name)")
    }

    func constant(floats: [Float], shape: [Int]? = nil, _ name: String) throws -> String {
        try constant(Tensor(floats, shape: shape ?? [floats.count]), name)
    }

    /// A float32 constant under every precision policy, for the inputs ONNX allows only in float32
    /// (Resize's `scales`).
    func float32Constant(_ floats: [Float], _ name: String) -> String {
        builder.constant(Tensor(floats, shape: [floats.count]), name: "\(nodeBase)/\(name)")
    }

    func constant(int64s: [Int64], _ name: String) throws -> String {
        try constant(Tensor(int64s, shape: [int64s.count]), name)
    }
}

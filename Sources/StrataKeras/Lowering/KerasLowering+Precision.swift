import StrataCore

extension KerasLowering {
    /// Layers that Keras 3 does not autocast (`self.autocast = False`): they take their floating inputs in
    /// whatever dtype they arrive and cast inside the layer.
    static let keras3WithoutAutocast: Set<String> = ["LayerNormalization", "GroupNormalization", "Embedding"]

    /// Layers lowered in float32 under a 16-bit policy (their inputs rounded to the 16-bit dtype first, as
    /// Keras' autocast does, and their outputs cast back to it): the recurrent layers, whose masked scan
    /// builds float32 steps. Their implicit mask is found through the casts (`beforeAutocast`).
    static let float32InsideSixteenBit: Set<String> = ["SimpleRNN", "LSTM", "GRU", "Bidirectional"]

    /// The dtype a layer computes in under its dtype policy: float16 / bfloat16 for `mixed_float16` /
    /// `mixed_bfloat16` (whose variables stay float32 in the file), float16, bfloat16 or float64 for those
    /// policies, float32 for everything else (float32 and the non-floating policies of preprocessing layers).
    static func computeDType(_ json: KerasJSON?) -> DType {
        switch json?.string ?? json?["config"]?["name"]?.string {
        case "mixed_float16", "float16": return .float16
        case "mixed_bfloat16", "bfloat16": return .bfloat16
        case "float64": return .float64
        default: return .float32
        }
    }

    /// The name of a Keras 3 quantized dtype policy (`QuantizedDTypePolicy` and its float8 / int4 / GPTQ /
    /// AWQ subclasses, saved with `mode` and `source_name`, or a name like `int8_from_float32`), whose
    /// layers store quantized kernels and scales instead of float variables; nil for other policies.
    static func quantizedPolicy(_ json: KerasJSON?) -> String? {
        if let name = json?.string ?? json?["config"]?["name"]?.string, name.contains("_from_") { return name }
        guard let className = json?["class_name"]?.string, className != "DTypePolicy", className != "FloatDTypePolicy",
              let mode = json?["config"]?["mode"]?.string else { return nil }
        return "\(mode)_from_\(json?["config"]?["source_name"]?.string ?? "float32")"
    }

    /// The context for one call of `layer` under its dtype policy, and the function that gives the
    /// call's outputs Keras' dtypes. The layer's floating inputs are autocast to its compute dtype (Keras 2
    /// casts the positional inputs, Keras 3 keyword tensors too); layers of `float32InsideSixteenBit`
    /// then see them in float32 and get their outputs cast back; Keras 2's UpSampling2D other than
    /// "nearest" resizes in float32 and returns float32 (`tf.image.resize`).
    func precisionContext(
        _ layer: KerasLayerSpec, path: String, call: Int, args: [String], arguments: [KerasLayerContext.Operand],
        kwargTensors: [String: [String]], kwargs: [String: KerasJSON], variables: [KerasVariable],
        shared: KerasLayerContext.SharedValues
    ) throws -> (context: KerasLayerContext, finish: ([String]) throws -> [String]) {
        let policy = layer.config["dtype"]
        if let quantized = Self.quantizedPolicy(policy) {
            throw StrataError(.unsupported, "quantized dtype policy '\(quantized)' is not supported",
                              at: ErrorLocation(file: builder.file, node: path, opType: layer.className, detail: "option 'dtype'"))
        }
        let computeDType = Self.computeDType(policy)
        let nodeBase = call == 0 ? path : "\(path):call\(call)"
        let source = SourceInfo(name: path, type: layer.className)
        let sixteenBit = computeDType == .float16 || computeDType == .bfloat16
        let resizeInFloat32 = kerasMajor == 2 && layer.className == "UpSampling2D" && layer.config["interpolation"]?.string != "nearest"
        let inFloat32 = sixteenBit && (Self.float32InsideSixteenBit.contains(layer.className) || resizeInFloat32)
        let keywordValues = kwargTensors.values.flatMap { $0 }
        var casts: [String: String] = [:]
        if !(kerasMajor >= 3 && Self.keras3WithoutAutocast.contains(layer.className)) {
            casts = try cast(args + (kerasMajor >= 3 ? keywordValues : []), to: computeDType, step: "Autocast", nodeBase: nodeBase, source: source)
        }
        if inFloat32 {
            let narrowed = (args + keywordValues).map { ($0, casts[$0] ?? $0) }
            let wide = try cast(narrowed.map(\.1), to: .float32, step: "ToFloat32", nodeBase: nodeBase, source: source)
            for (value, narrow) in narrowed { if let widened = wide[narrow] { casts[value] = widened } }
        }
        let result = KerasLayerContext(
            spec: layer, path: path, call: call, inputs: args.map { casts[$0] ?? $0 },
            kwargTensors: kwargTensors.mapValues { $0.map { casts[$0] ?? $0 } }, kwargs: kwargs, kerasMajor: kerasMajor,
            builder: builder, variables: variables, sharedValues: shared)
        result.computeDType = inFloat32 ? .float32 : computeDType
        result.arguments = arguments.map { argument in
            if case .value(let value) = argument, let cast = casts[value] { return .value(cast) }
            return argument
        }
        let castBack = inFloat32 && !resizeInFloat32
        return (result, { outputs in
            guard castBack else { return outputs }
            return try outputs.map { value in
                guard builder.type(of: value)?.dtype == .float32 else { return value }
                return try builder.add("Cast", [value], ["to": .int(computeDType.onnxCode)], name: "\(nodeBase)/ToComputeDType", source: source)[0]
            }
        })
    }

    /// Each floating value of `values` cast to `dtype` unless it has it, as `Cast` nodes named
    /// `<layer>/<step>`; returns the map from each cast value to its cast.
    func cast(_ values: [String], to dtype: DType, step: String, nodeBase: String, source: SourceInfo) throws -> [String: String] {
        var casts: [String: String] = [:]
        for value in values where casts[value] == nil {
            guard let type = builder.type(of: value), type.dtype.isFloatingPoint, type.dtype != dtype else { continue }
            casts[value] = try builder.add("Cast", [value], ["to": .int(dtype.onnxCode)], name: "\(nodeBase)/\(step)", source: source)[0]
        }
        return casts
    }
}

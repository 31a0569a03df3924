import StrataCore

extension KerasLowering {
    /// Layers that Keras 3 does not autocast (`self.autocast = False`): they take their floating inputs in
    /// whatever dtype they arrive and cast inside the layer.
    static let keras3WithoutAutocast: Set<String> = ["LayerNormalization", "GroupNormalization", "Embedding"]

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

    /// Keras' autocast: a layer's floating tensor arguments cast to its compute dtype (Keras 2 casts the
    /// positional inputs only, Keras 3 keyword tensors too), as `Cast` nodes named `<layer>/Autocast`.
    /// Returns the map from each cast value to its cast.
    func autocast(_ layer: KerasLayerSpec, nodeBase: String, path: String, values: [String], keywordValues: [String],
                  to dtype: DType) throws -> [String: String] {
        if kerasMajor >= 3 && Self.keras3WithoutAutocast.contains(layer.className) { return [:] }
        var casts: [String: String] = [:]
        for value in values + (kerasMajor >= 3 ? keywordValues : []) where casts[value] == nil {
            guard let type = builder.type(of: value), type.dtype.isFloatingPoint, type.dtype != dtype else { continue }
            casts[value] = try builder.add("Cast", [value], ["to": .int(dtype.onnxCode)], name: "\(nodeBase)/Autocast",
                                           source: SourceInfo(name: path, type: layer.className))[0]
        }
        return casts
    }
}

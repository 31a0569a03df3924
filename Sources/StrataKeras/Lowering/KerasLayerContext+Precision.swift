import StrataCore

extension KerasLayerContext {
    /// `tensor` as the layer stores it in the graph: float32 values rounded to the compute dtype when the
    /// layer computes in float16, bfloat16 or float64 (Keras keeps the variables in float32 and casts them
    /// to the compute dtype where they are read).
    func inComputeDType(_ tensor: Tensor) throws -> Tensor {
        try tensor.rounded(to: computeDType)
    }

    /// `value` cast to `dtype` (a Cast node), or `value` itself when it already has that dtype.
    func cast(_ value: String, to dtype: DType, step: String) throws -> String {
        guard let type = builder.type(of: value), type.dtype != dtype else { return value }
        return try emit("Cast", [value], ["to": .int(dtype.onnxCode)], step: step)
    }

    /// For the layers Keras computes in float32 even under a 16-bit policy (BatchNormalization,
    /// LayerNormalization, GroupNormalization): runs `body` on `x` cast to float32, with the context's
    /// constants and variables in float32, and casts its result back to the compute dtype. Under a
    /// float32 (or float64) policy it is `body(x)`.
    func computingInFloat32(_ x: String, _ body: (String) throws -> String) throws -> String {
        let dtype = computeDType
        guard dtype == .float16 || dtype == .bfloat16 else { return try body(x) }
        computeDType = .float32
        defer { computeDType = dtype }
        let y = try body(try cast(x, to: .float32, step: "ToFloat32"))
        return try cast(y, to: dtype, step: "ToComputeDType")
    }

    /// Under a 16-bit compute dtype, a Conv or ConvTranspose with a constant bias is emitted as the
    /// convolution followed by an `Add` of the bias: TensorFlow rounds the convolution's result to the
    /// 16-bit dtype before adding the bias, and rounding once after both differs by up to several units
    /// in the last place where they nearly cancel. Returns nil when `op` is emitted as it is.
    func emitWithSeparateBias(_ op: String, _ inputs: [String], _ attributes: [String: Attribute], name: String) throws -> String? {
        guard computeDType == .float16 || computeDType == .bfloat16, op == "Conv" || op == "ConvTranspose", inputs.count == 3,
              let bias = builder.initializers[inputs[2]], bias.rank == 1, let rank = builder.type(of: inputs[0])?.shape?.count
        else { return nil }
        let y = try builder.add(op, Array(inputs.prefix(2)), attributes, name: name, source: source)[0]
        let channelsBias = builder.constant(bias.reshaped([bias.count] + Array(repeating: 1, count: rank - 2)), name: "\(name)_bias")
        return try builder.add("Add", [y, channelsBias], name: "\(name)/BiasAdd", source: source)[0]
    }

    /// The value a layer's dtype casts were made from (the `Cast` nodes named `<layer>/Autocast` and
    /// `<layer>/ToFloat32`, followed back through both), or `value` itself: a mask belongs to the
    /// tensor before Keras' autocast.
    func beforeAutocast(_ value: String) -> String {
        var current = value
        while let node = builder.nodes.last(where: { $0.outputs.contains(current) }), node.opType == "Cast",
              let step = node.name.split(separator: "/").last,
              step.hasPrefix("Autocast") || step.hasPrefix("ToFloat32"), let input = node.inputs.first {
            current = input
        }
        return current
    }
}


import StrataCore

extension KerasLayerTable {
    /// Embedding and Masking: the layers that make masks. Each emits its `[batch, time]` bool mask as the
    /// step `Mask` (see `KerasLayerContext.implicitMask(of:)`).
    static let embedding: [String: KerasLayerLowering] = [
        "Embedding": { ctx in
            let x = try ctx.singleInput()
            let inputDim = try ctx.int("input_dim", atLeast: 1)
            let outputDim = try ctx.int("output_dim", atLeast: 1)
            let table = try ctx.weightValue(0, "embeddings", shape: [inputDim, outputDim])
            var indices = x
            if ctx.builder.type(of: x)?.dtype != .int64 {
                // 7 is ONNX TensorProto.INT64.
                indices = try ctx.emit("Cast", [x], ["to": .int(7)], step: "Indices")
            }
            if try ctx.bool("mask_zero", default: false) {
                let zero = try ctx.emit("Equal", [indices, ctx.constant(Tensor([Int64(0)], shape: []), "zero")], step: "IsZero")
                try ctx.emit("Not", [zero], step: "Mask")
            }
            return [try ctx.emit("Gather", [table, indices], ["axis": .int(0)])]
        },
        // A time step is kept when any feature differs from mask_value; kept steps pass, others become 0.
        "Masking": { ctx in
            let x = try ctx.singleInput()
            let value = try ctx.float("mask_value", default: 0)
            let differs = try ctx.emit("Not", [try ctx.emit("Equal", [x, ctx.constant(floats: [value], shape: [], "mask_value")])], step: "Differs")
            // 1 is ONNX TensorProto.FLOAT, 9 BOOL.
            let kept = try ctx.emit("ReduceMax", [try ctx.emit("Cast", [differs], ["to": .int(1)], step: "DiffersFloat"),
                                                  ctx.constant(int64s: [-1], "feature_axis")], ["keepdims": .int(1)], step: "Kept")
            let mask = try ctx.emit("Squeeze", [kept, ctx.constant(int64s: [-1], "squeeze_axis")], step: "MaskFloat")
            try ctx.emit("Cast", [mask], ["to": .int(9)], step: "Mask")
            return [try ctx.emit("Mul", [x, kept])]
        },
    ]
}

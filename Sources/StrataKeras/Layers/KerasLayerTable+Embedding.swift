import StrataCore

extension KerasLayerTable {
    /// Embedding: rows of the `embeddings` table gathered by (integer-cast) indices.
    static let embedding: [String: KerasLayerLowering] = [
        "Embedding": { ctx in
            let x = try ctx.singleInput()
            let inputDim = try ctx.int("input_dim")
            let outputDim = try ctx.int("output_dim")
            let table = try ctx.weightValue(0, "embeddings", shape: [inputDim, outputDim])
            var indices = x
            if ctx.builder.type(of: x)?.dtype != .int64 {
                // 7 is ONNX TensorProto.INT64.
                indices = try ctx.emit("Cast", [x], ["to": .int(7)], step: "Indices")
            }
            return [try ctx.emit("Gather", [table, indices], ["axis": .int(0)])]
        },
    ]
}

import StrataCore

extension KerasLayerTable {
    /// Max/Average pooling 1D/2D/3D and their global forms.
    static let pooling: [String: KerasLayerLowering] = {
        var table: [String: KerasLayerLowering] = [:]
        for rank in 1 ... 3 {
            for (keras, onnx) in [("MaxPooling", "MaxPool"), ("AveragePooling", "AveragePool"), ("MaxPool", "MaxPool"), ("AvgPool", "AveragePool")] {
                table["\(keras)\(rank)D"] = { try pool($0, rank: rank, op: onnx) }
            }
            for (keras, onnx) in [("GlobalAveragePooling", "ReduceMean"), ("GlobalMaxPooling", "ReduceMax"),
                                  ("GlobalAvgPool", "ReduceMean"), ("GlobalMaxPool", "ReduceMax")] {
                table["\(keras)\(rank)D"] = { try globalPool($0, rank: rank, op: onnx) }
            }
        }
        return table
    }()

    /// Windowed pooling; "same" padding is excluded from the max and from the average's count, as in TF.
    static func pool(_ ctx: KerasLayerContext, rank: Int, op: String) throws -> [String] {
        let x = try ctx.singleInput()
        let size = try ctx.positiveInts("pool_size", count: rank, default: Array(repeating: 2, count: rank))
        let strides = ctx.has("strides") ? try ctx.positiveInts("strides", count: rank) : size
        let padding = try ctx.padding()
        let channelsFirst = try ctx.channelsFirst()
        let ones = Array(repeating: 1, count: rank)
        return [try ctx.inChannelsFirst(x, channelsFirst: channelsFirst) { v in
            var attributes = try paddingAttributes(ctx, padding, input: v, kernel: size, strides: strides, dilations: ones)
            attributes["kernel_shape"] = .ints(size)
            attributes["strides"] = .ints(strides)
            if op == "AveragePool" { attributes["count_include_pad"] = .int(0) }
            return try ctx.emit(op, [v], attributes)
        }]
    }

    static func globalPool(_ ctx: KerasLayerContext, rank: Int, op: String) throws -> [String] {
        let x = try ctx.singleInput()
        let channelsFirst = try ctx.channelsFirst()
        let keep = try ctx.bool("keepdims", default: false)
        // Reducing the channels-first twin gives the same [N, C] result without a transpose.
        if !channelsFirst, !keep, let twin = ctx.builder.channelsFirstTwins[x] {
            let axes = (2 ..< 2 + rank).map(Int64.init)
            return [try ctx.emit(op, [twin, ctx.constant(int64s: axes, "axes")], ["keepdims": .int(0)])]
        }
        let first = channelsFirst ? 2 : 1
        let axes = (first ..< first + rank).map(Int64.init)
        return [try ctx.emit(op, [x, ctx.constant(int64s: axes, "axes")], ["keepdims": .int(keep ? 1 : 0)])]
    }
}

import StrataCore

extension KerasLayerTable {
    /// Flatten, Reshape, Permute, ZeroPadding/Cropping/UpSampling 1D/2D/3D.
    static let reshaping: [String: KerasLayerLowering] = {
        var table: [String: KerasLayerLowering] = [
            "Flatten": flatten,
            "Reshape": { ctx in
                let x = try ctx.singleInput()
                // Keras 3 saves `keras.ops.reshape` under the same class name, with the whole shape in `newshape`.
                if ctx.config["target_shape"] == nil, let whole = try ctx.intList("newshape") {
                    let allowzero = whole.contains(0) ? 1 : 0
                    return [try ctx.emit("Reshape", [x, ctx.constant(int64s: whole.map(Int64.init), "shape")], ["allowzero": .int(allowzero)])]
                }
                guard let target = try ctx.intList("target_shape") else { throw ctx.optionError("target_shape", "missing", kind: .invalidModel) }
                // 0 copies the batch size (ONNX Reshape without allowzero).
                return [try ctx.emit("Reshape", [x, ctx.constant(int64s: [0] + target.map(Int64.init), "shape")])]
            },
            "Permute": { ctx in
                let x = try ctx.singleInput()
                guard let dims = try ctx.intList("dims") else { throw ctx.optionError("dims", "missing", kind: .invalidModel) }
                return [try ctx.emit("Transpose", [x], ["perm": .ints([0] + dims)])]
            },
        ]
        for rank in 1 ... 3 {
            table["ZeroPadding\(rank)D"] = { try zeroPadding($0, rank: rank) }
            table["Cropping\(rank)D"] = { try cropping($0, rank: rank) }
            table["UpSampling\(rank)D"] = { try upSampling($0, rank: rank) }
        }
        return table
    }()

    /// Channels-last order is kept: channels_first data is moved to channels-last first, as Keras does.
    static func flatten(_ ctx: KerasLayerContext) throws -> [String] {
        var x = try ctx.singleInput()
        let rank = try ctx.rank(x)
        if try ctx.channelsFirst(), rank > 2 { x = try ctx.toChannelsLast(x, rank: rank) }
        return [try ctx.emit("Flatten", [x], ["axis": .int(1)])]
    }

    /// Per spatial axis (before, after) from an int, a tuple of ints or a tuple of pairs; `key` names the option.
    static func spatialPairs(_ ctx: KerasLayerContext, _ key: String, rank: Int, default value: Int) throws -> [(Int, Int)] {
        guard let json = ctx.config[key], !json.isNull else { return Array(repeating: (value, value), count: rank) }
        if let n = json.int { return Array(repeating: (n, n), count: rank) }
        guard let items = json.array else { throw ctx.optionError(key, "expected integers", kind: .invalidModel) }
        if rank == 1, items.count == 2, let a = items[0].int, let b = items[1].int { return [(a, b)] }
        guard items.count == rank else { throw ctx.optionError(key, "expected \(rank) entries", kind: .invalidModel) }
        return try items.map { item in
            if let n = item.int { return (n, n) }
            if let pair = item.ints, pair.count == 2 { return (pair[0], pair[1]) }
            throw ctx.optionError(key, "expected integers or pairs", kind: .invalidModel)
        }
    }

    /// The first spatial axis: 1 for channels_last, 2 for channels_first (1-D layers are always channels-last).
    static func firstSpatialAxis(_ ctx: KerasLayerContext, rank: Int) throws -> Int {
        try rank > 1 && ctx.channelsFirst() ? 2 : 1
    }

    static func zeroPadding(_ ctx: KerasLayerContext, rank: Int) throws -> [String] {
        let x = try ctx.singleInput()
        let total = try ctx.rank(x)
        let pairs = try spatialPairs(ctx, "padding", rank: rank, default: 1)
        let first = try firstSpatialAxis(ctx, rank: rank)
        // On a channels-first twin the spatial axes start at 2.
        let twin = first == 1 && total >= 3 ? ctx.builder.channelsFirstTwins[x] : nil
        let start = twin == nil ? first : 2
        // A config may wire a lower-rank tensor in: its padding would index past the input's axes.
        guard start + pairs.count <= total else {
            throw ctx.error("expected an input of rank \(rank + 2), got rank \(total)")
        }
        var begin = [Int64](repeating: 0, count: total), end = [Int64](repeating: 0, count: total)
        for (i, (b, e)) in pairs.enumerated() {
            begin[start + i] = Int64(b)
            end[start + i] = Int64(e)
        }
        let padded = try ctx.emit("Pad", [twin ?? x, ctx.constant(int64s: begin + end, "pads")], ["mode": .string("constant")])
        return [twin == nil ? padded : try ctx.toChannelsLast(padded, rank: total)]
    }

    static func cropping(_ ctx: KerasLayerContext, rank: Int) throws -> [String] {
        let x = try ctx.singleInput()
        let pairs = try spatialPairs(ctx, "cropping", rank: rank, default: 1)
        let first = try firstSpatialAxis(ctx, rank: rank)
        var starts: [Int64] = [], ends: [Int64] = [], axes: [Int64] = []
        for (i, (b, e)) in pairs.enumerated() {
            starts.append(Int64(b))
            ends.append(e == 0 ? Int64.max : Int64(-e))
            axes.append(Int64(first + i))
        }
        return [try ctx.emit("Slice", [x, ctx.constant(int64s: starts, "starts"), ctx.constant(int64s: ends, "ends"),
                                       ctx.constant(int64s: axes, "axes")])]
    }

    /// Nearest: each pixel repeated `size` times; bilinear: TF's half-pixel resize.
    static func upSampling(_ ctx: KerasLayerContext, rank: Int) throws -> [String] {
        let x = try ctx.singleInput()
        let size = try ctx.positiveInts("size", count: rank, default: Array(repeating: 2, count: rank))
        let interpolation = try ctx.string("interpolation", default: "nearest")
        let channelsFirst = rank > 1 ? try ctx.channelsFirst() : false
        var attributes: [String: Attribute]
        switch interpolation {
        case "nearest":
            attributes = ["mode": .string("nearest"), "coordinate_transformation_mode": .string("asymmetric"), "nearest_mode": .string("floor")]
        case "bilinear" where rank == 2:
            attributes = ["mode": .string("linear"), "coordinate_transformation_mode": .string("half_pixel")]
        default:
            throw ctx.optionError("interpolation", "'\(interpolation)' is not supported")
        }
        let scales = [Float](repeating: 1, count: 2) + size.map(Float.init)
        return [try ctx.inChannelsFirst(x, channelsFirst: channelsFirst) { v in
            let spatial = try ctx.shape(v).dropFirst(2)
            // Bilinear resizing by scales needs no sizes: the output is floor(size·scale) at run time.
            guard spatial.contains(where: { $0.value == nil }), interpolation == "nearest" else {
                return try ctx.emit("Resize", [v, "", ctx.float32Constant(scales, "scales")], attributes)
            }
            // Sizes known only at run time: nearest by an equal factor s is s² copies of the channels
            // spread by DepthToSpace (DCR: channel (i·s + j)·C + c goes to offset (i, j) of pixel c), whose
            // output shape stays known up to the run-time sizes.
            guard rank == 2, size[0] == size[1] else {
                throw ctx.error("the input's spatial sizes are known only at run time; then nearest upsampling needs equal factors",
                                kind: .unsupported)
            }
            // One Concat input per copy: a factor beyond any real upsampling would make millions of them.
            guard size[0] <= 64 else {
                throw ctx.optionError("size", "\(size) is larger than Strata supports for run-time sizes (64)", kind: .unsupported)
            }
            let copies = try ctx.emit("Concat", Array(repeating: v, count: size[0] * size[1]), ["axis": .int(1)], step: "Copies")
            return try ctx.emit("DepthToSpace", [copies], ["blocksize": .int(size[0]), "mode": .string("DCR")])
        }]
    }
}

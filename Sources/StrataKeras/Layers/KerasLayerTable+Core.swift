import StrataCore

extension KerasLayerTable {
    /// Dense, Rescaling and the layers that are the identity at inference.
    static let core: [String: KerasLayerLowering] = {
        var table: [String: KerasLayerLowering] = [
            "Dense": dense,
            "Rescaling": rescaling,
        ]
        for identity in ["Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout", "AlphaDropout"] {
            table[identity] = { ctx in
                try probability(ctx, "rate")
                return [try ctx.singleInput()]
            }
        }
        table["GaussianNoise"] = { ctx in
            let stddev = try ctx.float("stddev")
            guard stddev >= 0, stddev.isFinite else {
                throw ctx.optionError("stddev", "must be a finite number at least 0, found \(stddev)", kind: .invalidModel)
            }
            return [try ctx.singleInput()]
        }
        table["ActivityRegularization"] = { ctx in [try ctx.singleInput()] }
        return table
    }()

    /// A rate option that must lie in [0, 1], as the constructors of Keras 2 and 3 require of the
    /// dropout layers' `rate` (they are the identity at inference, but a file claiming more is invalid).
    static func probability(_ ctx: KerasLayerContext, _ key: String) throws {
        let rate = try ctx.float(key)
        guard rate >= 0, rate <= 1 else {
            throw ctx.optionError(key, "must be between 0 and 1, found \(rate)", kind: .invalidModel)
        }
    }

    /// `x · kernel + bias` over the last axis, then the layer's activation.
    static func dense(_ ctx: KerasLayerContext) throws -> [String] {
        let x = try ctx.singleInput()
        // tf.keras allows 0 units; Keras 3 wants at least 1.
        let units = try ctx.int("units", atLeast: ctx.kerasMajor >= 3 ? 1 : 0)
        let inFeatures = try ctx.knownDim(x, -1)
        var y = try ctx.emit("MatMul", [x, try ctx.weightValue(0, "kernel", shape: [inFeatures, units])])
        if try ctx.bool("use_bias", default: true) {
            y = try ctx.emit("Add", [y, try ctx.weightValue(1, "bias", shape: [units])], step: "BiasAdd")
        }
        return [try ctx.applyActivationOption(y)]
    }

    /// `x · scale + offset`; scale and offset may be per-channel lists.
    static func rescaling(_ ctx: KerasLayerContext) throws -> [String] {
        let x = try ctx.singleInput()
        func values(_ key: String, _ fallback: Double) throws -> [Float] {
            guard let json = ctx.config[key], !json.isNull else { return [Float(fallback)] }
            if let d = json.double { return [Float(d)] }
            if let list = json.array, list.allSatisfy({ $0.double != nil }) { return list.map { Float($0.double!) } }
            throw ctx.optionError(key, "expected a number or a list of numbers", kind: .invalidModel)
        }
        let scale = try values("scale", 1)
        let offset = try values("offset", 0)
        let y = try ctx.emit("Mul", [x, ctx.constant(floats: scale, shape: scale.count == 1 ? [] : [scale.count], "scale")])
        return [try ctx.emit("Add", [y, ctx.constant(floats: offset, shape: offset.count == 1 ? [] : [offset.count], "offset")])]
    }
}

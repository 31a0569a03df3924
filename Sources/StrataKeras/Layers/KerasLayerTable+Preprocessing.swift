import StrataCore

extension KerasLayerTable {
    /// Preprocessing layers with stored statistics: Normalization.
    static let preprocessing: [String: KerasLayerLowering] = [
        "Normalization": normalization,
    ]

    /// `(x − mean) / max(√variance, 1e-7)` (or its inverse with `invert`), with mean and variance from the
    /// config when given there, else from the layer's variables (`mean`, `variance`, `count`).
    static func normalization(_ ctx: KerasLayerContext) throws -> [String] {
        let x = try ctx.singleInput()
        let rank = try ctx.rank(x)
        let axes = (try ctx.intList("axis") ?? []).map { $0 < 0 ? $0 + rank : $0 }
        let kept = try axes.map { try ctx.knownDim(x, $0) }
        var shape = [Int](repeating: 1, count: rank)
        for (axis, size) in zip(axes, kept) { shape[axis] = size }
        let count = kept.reduce(1, *)
        func statistic(_ key: String, _ index: Int) throws -> [Float] {
            if let json = ctx.config[key], !json.isNull {
                let values = json.double.map { [Float($0)] } ?? json.array?.compactMap { $0.double.map(Float.init) } ?? []
                guard values.count == 1 || values.count == count else {
                    throw ctx.optionError(key, "has \(values.count) values for \(count) features", kind: .invalidModel)
                }
                return values.count == count ? values : Array(repeating: values[0], count: count)
            }
            let tensor = try ctx.weight(index, key)
            guard tensor.count == count else {
                throw ctx.error("weight '\(key)' has shape \(tensor.shape) but the layer config needs \(kept)")
            }
            return tensor.floats()
        }
        let mean = try statistic("mean", 0)
        let deviation = try statistic("variance", 1).map { max($0.squareRoot(), 1e-7) }
        let meanValue = ctx.constant(floats: mean, shape: shape, "mean")
        let deviationValue = ctx.constant(floats: deviation, shape: shape, "std")
        if try ctx.bool("invert", default: false) {
            return [try ctx.emit("Add", [try ctx.emit("Mul", [x, deviationValue]), meanValue])]
        }
        return [try ctx.emit("Div", [try ctx.emit("Sub", [x, meanValue]), deviationValue])]
    }
}

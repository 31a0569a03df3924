import StrataCore

extension KerasLayerTable {
    /// EinsumDense.
    static let moreCore: [String: KerasLayerLowering] = [
        "EinsumDense": einsumDense,
    ]

    /// `einsum(equation, x, kernel) + bias`, then the layer's activation. The kernel's shape is the one
    /// stored (the equation names its axes); the bias, stored with Keras' broadcast shape over the
    /// trailing output axes, is added as it is.
    static func einsumDense(_ ctx: KerasLayerContext) throws -> [String] {
        let x = try ctx.singleInput()
        let equation = try ctx.string("equation")
        let parts = equation.replacingOccurrences(of: " ", with: "").split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].hasPrefix(">"), parts[0].split(separator: ",").count == 2, !equation.contains(".") else {
            throw ctx.optionError("equation", "'\(equation)' is not of the form 'ab,bc->ac'", kind: .invalidModel)
        }
        let kernel = try ctx.weight(0, "kernel")
        guard kernel.shape.count == parts[0].split(separator: ",")[1].count else {
            throw ctx.error("weight 'kernel' has shape \(kernel.shape) but the equation '\(equation)' needs rank \(parts[0].split(separator: ",")[1].count)")
        }
        var y = try ctx.emit("Einsum", [x, try ctx.weightValue(0, "kernel")], ["equation": .string(equation)])
        if let biasAxes = ctx.config["bias_axes"]?.string, !biasAxes.isEmpty {
            y = try ctx.emit("Add", [y, try ctx.weightValue(1, "bias")], step: "BiasAdd")
        }
        return [try ctx.applyActivationOption(y)]
    }
}

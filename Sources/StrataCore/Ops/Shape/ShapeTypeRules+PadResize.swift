/// Type rules of Pad, Resize and Upsample, and the argument parsing they share with their kernels.
extension ShapeTypeRules {
    /// Pad amounts `(before, after)` for every axis from ONNX's `pads` (`[x1_begin, x2_begin, …,
    /// x1_end, x2_end, …]`) over `axes` (all axes when nil). Negative amounts crop.
    public static func padAmounts(_ pads: [Int], axes: [Int]?, rank: Int, node: Node) throws -> [(before: Int, after: Int)] {
        let axisList = try ShapeAlgebra.normalizeAxes(axes ?? Array(0..<rank), rank: rank, node: node)
        guard pads.count == 2 * axisList.count else {
            throw node.error("pads has \(pads.count) values, expected \(2 * axisList.count)")
        }
        // Pads beyond 2^40 cannot describe a real tensor; rejecting them keeps sums exact.
        if let bad = pads.first(where: { $0 > 1 << 40 || $0 < -(1 << 40) }) { throw node.error("pad \(bad) is out of range") }
        var out = Array(repeating: (before: 0, after: 0), count: rank)
        for (i, a) in axisList.enumerated() { out[a] = (pads[i], pads[axisList.count + i]) }
        return out
    }

    static func pad(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let shape = try ctx.shape(0)
        let node = ctx.node
        let pads: [Int]
        var axes: [Int]? = nil
        if let attr = try node.typed(PadAttributes.self).pads {
            pads = attr
        } else {
            guard let input = try ctx.knownInts(1) else { throw node.error("pads is required") }
            pads = input
            if node.opset >= 18 { axes = try ctx.knownInts(3) }
        }
        let amounts = try padAmounts(pads, axes: axes, rank: shape.count, node: node)
        var out = shape
        for (a, p) in amounts.enumerated() where p.before + p.after != 0 {
            if case .known(let d) = shape[a], d + p.before + p.after < 0 {
                throw node.error("padding axis \(a) of size \(d) by \(p) leaves a negative size")
            }
            out[a] = ShapeAlgebra.sum([shape[a], .known(p.before + p.after)])
        }
        return [ValueType(x.dtype, out)]
    }

    static func resize(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let shape = try ctx.shape(0)
        let node = ctx.node
        var scales: [Float]? = nil
        var sizes: [Int]? = nil
        if node.opset < 11 {
            scales = try ctx.knownFloats(1)
        } else {
            scales = try ctx.knownFloats(2)
        }
        let attributes = try node.typed(ResizeAttributes.self)
        let (axes, policy) = (attributes.axes, attributes.keepAspectRatioPolicy)
        if node.opset >= 11 && ctx.hasInput(3) {
            guard let dims = ctx.dimsValue(3) else { throw InferenceContext.Unknown() }
            if let concrete = dims.concrete {
                sizes = concrete.isEmpty ? nil : concrete
            } else {
                // Sizes from a shape computation (`[N, C, 12, 10]`) may carry symbols; stretched, they are the output.
                guard policy == "stretch" else { throw InferenceContext.Unknown() }
                let axisList = try ShapeAlgebra.normalizeAxes(axes ?? Array(0..<shape.count), rank: shape.count, node: node)
                guard dims.count == axisList.count else {
                    throw node.error("sizes has \(dims.count) values for \(axisList.count) axes")
                }
                var out = shape
                for (i, a) in axisList.enumerated() { out[a] = dims[i] }
                return [ValueType(x.dtype, out)]
            }
        }
        guard let out = try ResizeGeometry.outputDims(input: shape, scales: sizes == nil ? scales : nil, sizes: sizes,
                                                      axes: axes, keepAspectRatioPolicy: policy, node: node)
        else { throw InferenceContext.Unknown() }
        return [ValueType(x.dtype, out)]
    }

    static func upsample(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let shape = try ctx.shape(0)
        let node = ctx.node
        let scales = try node.typed(ResizeAttributes.self).scales ?? ctx.knownFloats(1)
        guard let scales else { throw node.error("scales is required") }
        guard let out = try ResizeGeometry.outputDims(input: shape, scales: scales, sizes: nil, axes: nil,
                                                      keepAspectRatioPolicy: "stretch", node: node)
        else { throw InferenceContext.Unknown() }
        return [ValueType(x.dtype, out)]
    }
}

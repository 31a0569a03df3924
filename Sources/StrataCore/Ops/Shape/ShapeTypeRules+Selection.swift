/// Type rules of the selection and construction ops NonZero, Compress, OneHot, EyeLike,
/// CenterCropPad and ReverseSequence.
extension ShapeTypeRules {
    /// NonZero and Compress: the element count depends on the data, so the shape is not known
    /// before running (the dtype is).
    static func dataDependent(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        return [ValueType(ctx.node.opType == "NonZero" ? .int64 : x.dtype, nil)]
    }

    static func oneHot(_ ctx: InferenceContext) throws -> [ValueType] {
        let indices = try ctx.shape(0)
        let values = try ctx.type(2)
        guard let depth = ctx.constant(1), depth.count == 1 else { throw InferenceContext.Unknown() }
        let d = depth.dtype.isInteger ? depth.intValue(at: 0) : Int(depth.doubleValue(at: 0).rounded(.towardZero))
        guard d >= 0 else { throw ctx.node.error("depth \(d) is negative") }
        var out = indices
        out.insert(.known(d), at: try ctx.node.typed(OneHotAttributes.self).insertionAxis(indicesRank: indices.count, node: ctx.node))
        return [ValueType(values.dtype, out)]
    }

    static func eyeLike(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        if let r = x.rank, r != 2 { throw ctx.node.error("expects a 2-D input, found rank \(r)") }
        return [ValueType(try ctx.node.typed(EyeLikeAttributes.self).dtype ?? x.dtype, x.shape)]
    }

    static func centerCropPad(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let shape = try ctx.shape(0)
        guard let target = ctx.dimsValue(1) else { throw InferenceContext.Unknown() }
        let axes = try ShapeAlgebra.normalizeAxes(ctx.node.typed(CenterCropPadAttributes.self).axes ?? Array(0..<shape.count), rank: shape.count,
                                                  node: ctx.node)
        guard target.count == axes.count else {
            throw ctx.node.error("shape has \(target.count) values for \(axes.count) axes")
        }
        var out = shape
        for (i, a) in axes.enumerated() { out[a] = target[i] }
        return [ValueType(x.dtype, out)]
    }

    static func reverseSequence(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        if let r = x.rank, r < 2 { throw ctx.node.error("expects rank >= 2, found \(r)") }
        return [x]
    }
}

extension ShapeTypeRules {
    /// GridSample: `[N, C, grid spatial dims…]`.
    static func gridSample(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let shape = try ctx.shape(0), grid = try ctx.shape(1)
        guard shape.count >= 3, grid.count == shape.count else {
            throw ctx.node.error("input \(shape.shapeDescription) and grid \(grid.shapeDescription) do not fit")
        }
        if case .known(let k) = grid[grid.count - 1], k != shape.count - 2 {
            throw ctx.node.error("grid's last axis has \(k) coordinates for \(shape.count - 2) spatial axes")
        }
        return [ValueType(x.dtype, [grid[0], shape[1]] + Array(grid[1..<(grid.count - 1)]))]
    }
}

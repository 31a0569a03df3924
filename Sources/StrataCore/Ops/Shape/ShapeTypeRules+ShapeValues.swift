/// Shape-value rules: what the shape ops compute when their inputs are (symbolic) shapes or other
/// small integer tensors, so that a Reshape fed by an exporter's Shape→Gather→Concat chain, or a
/// Pad fed by the `pads` arithmetic of `torch.nn.functional.pad`, gets its shape without running.
/// A value is the tensor's elements in row-major order; rules that need the layout of a value of
/// rank 2 or more read its concrete shape from the input type. Each returns nil when not known.
extension ShapeTypeRules {
    /// Shape values are small by nature; larger integer tensors are left alone rather than
    /// turned into long `Dim` arrays.
    static let shapeValueLimit = 64

    /// Input `i`'s contents as dims when it is a small integer tensor with a known value.
    static func smallDims(_ ctx: InferenceContext, _ i: Int) -> [Dim]? {
        if let t = ctx.constant(i), t.count > shapeValueLimit { return nil }
        guard let dims = ctx.dimsValue(i), dims.count <= shapeValueLimit else { return nil }
        return dims
    }

    /// The rank of input `i`, defaulting to 1 when only its value is known.
    private static func rank(_ ctx: InferenceContext, _ i: Int) -> Int {
        if i < ctx.inputTypes.count, let r = ctx.inputTypes[i]?.rank { return r }
        if let t = ctx.constant(i) { return t.rank }
        return 1
    }

    /// The concrete shape of input `i` when its type or constant gives one.
    private static func concreteShape(_ ctx: InferenceContext, _ i: Int) -> [Int]? {
        if let t = ctx.constant(i) { return t.shape }
        return i < ctx.inputTypes.count ? ctx.inputTypes[i]?.shape?.concrete : nil
    }

    static func shapeOfInput(_ ctx: InferenceContext) throws -> [Dim]? {
        guard let shape = ctx.inputTypes.first??.shape else { return nil }
        return Array(shape[try ctx.node.typed(ShapeAttributes.self).range(rank: shape.count)])
    }

    static func sizeOfInput(_ ctx: InferenceContext) throws -> [Dim]? {
        guard let shape = ctx.inputTypes.first??.shape else { return nil }
        return [ShapeAlgebra.product(shape)]
    }

    static func gatherValue(_ ctx: InferenceContext) throws -> [Dim]? {
        guard rank(ctx, 0) == 1, rank(ctx, 1) <= 1, let data = smallDims(ctx, 0), let indices = smallDims(ctx, 1)?.concrete
        else { return nil }
        return try indices.map { i in
            let k = i < 0 ? i + data.count : i
            guard k >= 0 && k < data.count else {
                throw ctx.node.error("index \(i) is out of range for a dimension of size \(data.count)")
            }
            return data[k]
        }
    }

    static func concatValue(_ ctx: InferenceContext) throws -> [Dim]? {
        var out: [Dim] = []
        for i in 0..<ctx.inputCount {
            guard rank(ctx, i) <= 1, let v = smallDims(ctx, i) else { return nil }
            out += v
        }
        return out
    }

    /// Squeeze, Unsqueeze, Reshape and Flatten keep a value's elements in order.
    static func sameValue(_ ctx: InferenceContext) throws -> [Dim]? {
        smallDims(ctx, 0)
    }

    static func sliceValue(_ ctx: InferenceContext) throws -> [Dim]? {
        guard let data = smallDims(ctx, 0) else { return nil }
        let shape = rank(ctx, 0) == 1 ? [data.count] : concreteShape(ctx, 0)
        guard let shape, shape.elementCount == data.count else { return nil }
        let spec = try SliceSpec(try sliceArguments(ctx), shape: shape, node: ctx.node)
        return gathered(data, shape: shape, outputShape: spec.outputShape(shape)) { out in
            var source = out
            for a in spec.axes { source[a.axis] = a.start + out[a.axis] * a.step }
            return source
        }
    }

    static func transposeValue(_ ctx: InferenceContext) throws -> [Dim]? {
        guard let data = smallDims(ctx, 0), let shape = concreteShape(ctx, 0), shape.elementCount == data.count else {
            return nil
        }
        let perm = try ctx.node.typed(TransposeAttributes.self).permutation(rank: shape.count, node: ctx.node)
        return gathered(data, shape: shape, outputShape: perm.map { shape[$0] }) { out in
            var source = out
            for k in 0..<perm.count { source[perm[k]] = out[k] }
            return source
        }
    }

    static func constantOfShapeValue(_ ctx: InferenceContext) throws -> [Dim]? {
        guard let dims = ctx.dimsValue(0)?.concrete, let count = try? ShapeAlgebra.elementCount(dims, node: ctx.node),
              count <= shapeValueLimit
        else { return nil }
        let value = try ctx.node.typed(ConstantOfShapeAttributes.self).value
        guard value.dtype.isInteger, let v = value.ints().first else { return nil }
        return Array(repeating: .known(v), count: count)
    }

    /// The elements of an output of `outputShape` whose element at coordinates `c` is the
    /// element of `data` (of `shape`) at `source(c)`.
    private static func gathered(_ data: [Dim], shape: [Int], outputShape: [Int], source: ([Int]) -> [Int]) -> [Dim] {
        var out: [Dim] = []
        let count = outputShape.elementCount
        out.reserveCapacity(count)
        var coords = [Int](repeating: 0, count: outputShape.count)
        for _ in 0..<count {
            var flat = 0
            for (d, i) in source(coords).enumerated() { flat = flat * shape[d] + i }
            out.append(data[flat])
            var d = outputShape.count - 1
            while d >= 0 {
                coords[d] += 1
                if coords[d] < outputShape[d] { break }
                coords[d] = 0
                d -= 1
            }
        }
        return out
    }
}

/// Type rules (output dtype and shape from what is known of the inputs) of the shape and
/// data-movement ops. Each takes the node's `InferenceContext` and returns its output types;
/// values needed but not known before running throw `InferenceContext.Unknown`.
public enum ShapeTypeRules {
    static func reshape(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let node = ctx.node
        let target: [Dim]
        let attributes = try node.typed(ReshapeAttributes.self)
        if let attr = attributes.shape {
            target = attr.dims
        } else {
            guard let value = ctx.dimsValue(1) else { throw InferenceContext.Unknown() }
            target = value
        }
        let allowZero = attributes.allowZero
        let needsInput = target.contains { $0 == .known(0) && !allowZero || $0 == .known(-1) }
        guard let input = x.shape else {
            if needsInput { throw InferenceContext.Unknown() }
            return [ValueType(x.dtype, target)]
        }
        guard let out = try ShapeAlgebra.reshape(input, to: target, allowZero: allowZero, node: node) else {
            throw InferenceContext.Unknown()
        }
        return [ValueType(x.dtype, out)]
    }

    static func transpose(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let shape = try ctx.shape(0)
        let perm = try ctx.node.typed(TransposeAttributes.self).permutation(rank: shape.count, node: ctx.node)
        return [ValueType(x.dtype, perm.map { shape[$0] })]
    }

    static func squeeze(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let shape = try ctx.shape(0)
        let node = ctx.node
        let axes = try node.opset >= 13 ? ctx.knownInts(1) : node.typed(AxesAttributes.self).axes
        var drop: [Int]
        if let axes {
            drop = try ShapeAlgebra.normalizeAxes(axes, rank: shape.count, node: node)
            for a in drop {
                if case .known(let d) = shape[a], d != 1 {
                    throw node.error("cannot squeeze axis \(a) of size \(d)")
                }
            }
        } else {
            guard shape.concrete != nil else { throw InferenceContext.Unknown() }
            drop = shape.indices.filter { shape[$0] == .known(1) }
        }
        return [ValueType(x.dtype, shape.indices.filter { !drop.contains($0) }.map { shape[$0] })]
    }

    static func unsqueeze(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let shape = try ctx.shape(0)
        let node = ctx.node
        let given = try node.opset >= 13 ? ctx.knownInts(1) : node.typed(AxesAttributes.self).axes
        guard let axes = given else { throw node.error("the axes to insert are missing") }
        return [ValueType(x.dtype, try unsqueezed(shape, axes: axes, node: node))]
    }

    /// `shape` with a 1 inserted at each of `axes` (axes of the output).
    public static func unsqueezed<T>(_ shape: [T], axes: [Int], one: T, node: Node) throws -> [T] {
        let rank = shape.count + axes.count
        let inserted = try ShapeAlgebra.normalizeAxes(axes, rank: rank, node: node)
        var out: [T] = []
        var next = shape.makeIterator()
        for j in 0..<rank { out.append(inserted.contains(j) ? one : next.next()!) }
        return out
    }

    static func unsqueezed(_ shape: [Dim], axes: [Int], node: Node) throws -> [Dim] {
        try unsqueezed(shape, axes: axes, one: Dim.known(1), node: node)
    }

    static func concat(_ ctx: InferenceContext) throws -> [ValueType] {
        let node = ctx.node
        let dtype = try ctx.firstKnownType().dtype
        let shapes = try (0..<ctx.inputCount).map { try ctx.shape($0) }
        guard let rank = shapes.first?.count else { throw node.error("Concat has no inputs") }
        let axis = try ShapeAlgebra.normalizeAxis(node.typed(ConcatAttributes.self).axis, rank: rank, node: node)
        var out = shapes[0]
        for (i, s) in shapes.enumerated() {
            guard s.count == rank else {
                throw node.error("input \(i) has rank \(s.count), input 0 has rank \(rank)")
            }
            for d in 0..<rank where d != axis {
                switch (out[d], s[d]) {
                case let (.known(a), .known(b)) where a != b:
                    throw node.error("input \(i) has size \(b) on axis \(d), input 0 has \(a)")
                case (.symbol, .known): out[d] = s[d]
                default: break
                }
            }
        }
        out[axis] = ShapeAlgebra.sum(shapes.map { $0[axis] })
        return [ValueType(dtype, out)]
    }

    static func split(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let shape = try ctx.shape(0)
        let node = ctx.node
        let attributes = try node.typed(SplitAttributes.self)
        let axis = try ShapeAlgebra.normalizeAxis(attributes.axis, rank: shape.count, node: node)
        let given = try node.opset >= 13 ? ctx.knownInts(1) : attributes.split
        let numOutputs = attributes.numOutputs
        guard case .known(let dim) = shape[axis] else { throw InferenceContext.Unknown() }
        let sizes = try splitSizes(dim: dim, split: given, numOutputs: numOutputs, outputs: node.outputs.count, node: node)
        return sizes.map { size in
            var s = shape
            s[axis] = .known(size)
            return ValueType(x.dtype, s)
        }
    }

    /// The sizes of Split's outputs along the split axis: the `split` list, or `num_outputs` parts
    /// of `ceil(dim / n)` (the last smaller), or `outputs` equal parts.
    public static func splitSizes(dim: Int, split: [Int]?, numOutputs: Int?, outputs: Int, node: Node) throws -> [Int] {
        if let split, !split.isEmpty {
            guard split.count == outputs else {
                throw node.error("split has \(split.count) sizes for \(outputs) outputs")
            }
            guard split.allSatisfy({ $0 >= 0 && $0 <= dim }), split.reduce(0, +) == dim else {
                throw node.error("split sizes \(split) do not add up to the axis size \(dim)")
            }
            return split
        }
        if let n = numOutputs {
            guard n >= 1, n == outputs else {
                throw node.attributeError("num_outputs", "is \(n), but the node has \(outputs) outputs")
            }
            let chunk = (dim + n - 1) / n
            let sizes = (0..<n).map { i in Swift.max(0, Swift.min(chunk, dim - i * chunk)) }
            return sizes
        }
        guard outputs >= 1, dim % outputs == 0 else {
            throw node.error("axis size \(dim) does not split evenly into \(outputs) outputs")
        }
        return Array(repeating: dim / outputs, count: outputs)
    }

    /// Slice's starts/ends/axes/steps from attributes (opset < 10) or inputs.
    static func sliceArguments(_ ctx: InferenceContext) throws -> SliceSpec.Arguments {
        let node = ctx.node
        if let arguments = try node.typed(SliceAttributes.self).arguments { return arguments }
        guard let starts = try ctx.knownInts(1), let ends = try ctx.knownInts(2) else {
            throw node.error("starts and ends are required")
        }
        return SliceSpec.Arguments(starts: starts, ends: ends, axes: try ctx.knownInts(3), steps: try ctx.knownInts(4))
    }

    static func slice(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let shape = try ctx.shape(0)
        let arguments = try sliceArguments(ctx)
        var out = shape
        for a in try arguments.normalized(rank: shape.count, node: ctx.node) {
            switch shape[a.axis] {
            case .known(let d):
                out[a.axis] = .known(SliceSpec.resolve(dim: d, start: a.start, end: a.end, step: a.step).count)
            case .symbol(let name):
                out[a.axis] = symbolicSlice(name, start: a.start, end: a.end, step: a.step,
                                            fallback: "\(ctx.node.outputs.first ?? ctx.node.name)_d\(a.axis)")
            }
        }
        return [ValueType(x.dtype, out)]
    }

    /// The length of a step-1 slice of an axis of symbolic size `name`: the whole axis keeps the
    /// symbol, a slice that drops `k` elements from the ends (a crop: start ≥ 0 and an end counted
    /// from the back) is the symbol `name-k`, so equal crops of equal axes get equal sizes; any
    /// other slice gets the fresh symbol `fallback`. The rank stays known either way.
    static func symbolicSlice(_ name: String, start: Int, end: Int, step: Int, fallback: String) -> Dim {
        guard step == 1, start >= 0 else { return .symbol(fallback) }
        let dropped: Int
        if end >= Int(Int32.max) {
            dropped = start
        } else if end < 0 {
            dropped = start - end
        } else {
            return .symbol(fallback)
        }
        return dropped == 0 ? .symbol(name) : .symbol("\(name)-\(dropped)")
    }

    static func gather(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let shape = try ctx.shape(0)
        let indices = try ctx.shape(1)
        let axis = try ShapeAlgebra.normalizeAxis(ctx.node.typed(GatherAttributes.self).axis, rank: shape.count, node: ctx.node)
        return [ValueType(x.dtype, Array(shape[..<axis]) + indices + Array(shape[(axis + 1)...]))]
    }

    static func gatherElements(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let indices = try ctx.type(1)
        if let r = x.rank, let q = indices.rank, r != q {
            throw ctx.node.error("indices have rank \(q), data has rank \(r)")
        }
        if let r = x.rank { _ = try ShapeAlgebra.normalizeAxis(ctx.node.typed(GatherAttributes.self).axis, rank: r, node: ctx.node) }
        return [ValueType(x.dtype, indices.shape)]
    }

    static func shape(_ ctx: InferenceContext) throws -> [ValueType] {
        guard let rank = try ctx.type(0).rank else { throw InferenceContext.Unknown() }
        return [ValueType(.int64, [.known(try ctx.node.typed(ShapeAttributes.self).range(rank: rank).count)])]
    }

    static func size(_ ctx: InferenceContext) throws -> [ValueType] {
        [ValueType(.int64, [])]
    }

    static func constant(_ ctx: InferenceContext) throws -> [ValueType] {
        [try ctx.node.typed(ConstantAttributes.self).value.type]
    }

    static func constantOfShape(_ ctx: InferenceContext) throws -> [ValueType] {
        let dtype = try ctx.node.typed(ConstantOfShapeAttributes.self).value.dtype
        guard let dims = ctx.dimsValue(0) else { throw InferenceContext.Unknown() }
        if dims.contains(where: { ($0.value ?? 0) < 0 }) { throw ctx.node.error("shape has a negative dim") }
        return [ValueType(dtype, dims)]
    }

    static func expand(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let shape = try ctx.shape(0)
        guard let target = ctx.dimsValue(1) else { throw InferenceContext.Unknown() }
        return [ValueType(x.dtype, try ShapeAlgebra.broadcast(shape, target, node: ctx.node))]
    }

    static func tile(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let shape = try ctx.shape(0)
        guard let repeats = try ctx.knownInts(1) else { throw ctx.node.error("repeats is required") }
        guard repeats.count == shape.count else {
            throw ctx.node.error("repeats has \(repeats.count) values for an input of rank \(shape.count)")
        }
        if repeats.contains(where: { $0 < 0 }) { throw ctx.node.error("repeats has a negative value") }
        return [ValueType(x.dtype, zip(shape, repeats).map { ShapeAlgebra.product([$0, .known($1)]) })]
    }

    static func depthToSpace(_ ctx: InferenceContext) throws -> [ValueType] {
        try spaceDepth(ctx, toSpace: true)
    }

    static func spaceToDepth(_ ctx: InferenceContext) throws -> [ValueType] {
        try spaceDepth(ctx, toSpace: false)
    }

    private static func spaceDepth(_ ctx: InferenceContext, toSpace: Bool) throws -> [ValueType] {
        let x = try ctx.type(0)
        let s = try ctx.shape(0)
        let node = ctx.node
        let b = try node.typed(SpaceDepthAttributes.self).blockSize
        guard s.count == 4 else { throw node.error("expects a 4-D input, found rank \(s.count)") }
        func divided(_ d: Dim, by k: Int, _ what: String) throws -> Dim {
            guard case .known(let v) = d else { throw InferenceContext.Unknown() }
            guard v % k == 0 else { throw node.error("\(what) \(v) is not divisible by \(k)") }
            return .known(v / k)
        }
        if toSpace {
            return [ValueType(x.dtype, [s[0], try divided(s[1], by: b * b, "channel count"),
                                         ShapeAlgebra.product([s[2], .known(b)]), ShapeAlgebra.product([s[3], .known(b)])])]
        }
        return [ValueType(x.dtype, [s[0], ShapeAlgebra.product([s[1], .known(b * b)]),
                                     try divided(s[2], by: b, "height"), try divided(s[3], by: b, "width")])]
    }

    static func flatten(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let s = try ctx.shape(0)
        let axis = try ctx.node.typed(FlattenAttributes.self).splitPoint(rank: s.count, node: ctx.node)
        return [ValueType(x.dtype, [ShapeAlgebra.product(s[..<axis]), ShapeAlgebra.product(s[axis...])])]
    }

    static func range(_ ctx: InferenceContext) throws -> [ValueType] {
        let dtype = try ctx.firstKnownType().dtype
        guard let start = ctx.constant(0), let limit = ctx.constant(1), let delta = ctx.constant(2) else {
            // `arange(T)` from a shape computation: `Range(0, T, 1)` has T elements.
            if let s = ctx.dimsValue(0), let l = ctx.dimsValue(1), let d = ctx.dimsValue(2),
               s == [.known(0)], d == [.known(1)], l.count == 1 {
                return [ValueType(dtype, l)]
            }
            throw InferenceContext.Unknown()
        }
        let n = try rangeCount(start: start, limit: limit, delta: delta, node: ctx.node)
        return [ValueType(dtype, [.known(n)])]
    }

    /// Range's element count, `max(ceil((limit - start) / delta), 0)`, exact for integer dtypes.
    public static func rangeCount(start: Tensor, limit: Tensor, delta: Tensor, node: Node) throws -> Int {
        guard start.count == 1, limit.count == 1, delta.count == 1 else {
            throw node.error("start, limit and delta must be scalars")
        }
        if start.dtype.isInteger {
            let s = start.intValue(at: 0), l = limit.intValue(at: 0), d = delta.intValue(at: 0)
            guard d != 0 else { throw node.error("delta is 0") }
            let (span, overflow) = l.subtractingReportingOverflow(s)
            guard !overflow, span < 1 << 40, span > -(1 << 40) else { throw node.error("the range has too many elements", kind: .invalidInput) }
            let n = d > 0 ? (span + d - 1) / d : (span + d + 1) / d
            return Swift.max(n, 0)
        }
        let s = start.doubleValue(at: 0), l = limit.doubleValue(at: 0), d = delta.doubleValue(at: 0)
        guard d != 0, s.isFinite, l.isFinite, d.isFinite else { throw node.error("start, limit and delta must be finite, delta nonzero") }
        let n = ((l - s) / d).rounded(.up)
        guard n < Double(Int32.max) else { throw node.error("the range has too many elements", kind: .invalidInput) }
        return Swift.max(Int(n), 0)
    }

    static func trilu(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        if let r = x.rank, r < 2 { throw ctx.node.error("expects rank >= 2, found \(r)") }
        return [x]
    }
}

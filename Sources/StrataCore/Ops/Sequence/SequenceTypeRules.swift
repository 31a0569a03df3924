/// Type rules of the sequence and optional ops (`OpRegistry+Sequence.swift`).
enum SequenceTypeRules {
    /// The type of input `i`, which must be a sequence.
    static func sequence(_ ctx: InferenceContext, _ i: Int) throws -> ValueType {
        let t = try ctx.valueType(i)
        guard t.isSequence else { throw ctx.error("input \(i) ('\(ctx.node.inputs[i])') is \(t), not a sequence") }
        return t
    }

    /// `a`'s shape where `b` agrees with it dim by dim; nil where the ranks differ or one is unknown.
    static func commonShape(_ a: [Dim]?, _ b: [Dim]?) -> [Dim]? {
        guard let a, let b, a.count == b.count else { return nil }
        return zip(a, b).map { $0 == $1 ? $0 : .anonymous }
    }

    static func construct(_ ctx: InferenceContext) throws -> [ValueType] {
        let types = try (0..<ctx.inputCount).map { try ctx.type($0) }
        guard let first = types.first else { throw ctx.error("SequenceConstruct needs at least one input") }
        if let bad = types.firstIndex(where: { $0.dtype != first.dtype }) {
            throw ctx.error("input \(bad) is \(types[bad].dtype.rawValue) and input 0 \(first.dtype.rawValue): "
                            + "the elements of a sequence share one dtype")
        }
        let shape = types.dropFirst().reduce(first.shape) { commonShape($0, $1.shape) }
        return [.sequence(of: ValueType(first.dtype, shape))]
    }

    static func insert(_ ctx: InferenceContext) throws -> [ValueType] {
        let s = try sequence(ctx, 0), t = try ctx.type(1)
        guard s.dtype == t.dtype else {
            throw ctx.error("a \(t.dtype.rawValue) tensor cannot go into a sequence of \(s.dtype.rawValue)")
        }
        return [.sequence(of: ValueType(s.dtype, commonShape(s.shape, t.shape)))]
    }

    static func at(_ ctx: InferenceContext) throws -> [ValueType] {
        [try sequence(ctx, 0).element!]
    }

    static func splitToSequence(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let attributes = try ctx.node.typed(SplitToSequenceAttributes.self)
        guard var shape = x.shape else { return [.sequence(of: ValueType(x.dtype, nil))] }
        let rank = shape.count
        guard attributes.axis >= -rank && attributes.axis < rank else {
            throw ctx.node.attributeError("axis", "\(attributes.axis) is out of range for rank \(rank)")
        }
        let axis = attributes.axis < 0 ? attributes.axis + rank : attributes.axis
        if !ctx.hasInput(1) {
            if attributes.keepdims { shape[axis] = 1 } else { shape.remove(at: axis) }
        } else {
            shape[axis] = .anonymous
        }
        return [.sequence(of: ValueType(x.dtype, shape))]
    }

    static func concatFromSequence(_ ctx: InferenceContext) throws -> [ValueType] {
        let s = try sequence(ctx, 0)
        let attributes = try ctx.node.typed(ConcatFromSequenceAttributes.self)
        guard var shape = s.shape else { return [ValueType(s.dtype, nil)] }
        let axis = try attributes.resolvedAxis(rank: shape.count, node: ctx.node)
        if attributes.newAxis { shape.insert(.anonymous, at: axis) } else { shape[axis] = .anonymous }
        return [ValueType(s.dtype, shape)]
    }

    /// Each output is a sequence of what the body gives per element (declared or inferred).
    static func sequenceMap(_ ctx: InferenceContext) throws -> [ValueType] {
        let body = try ctx.node.requiredSubgraph("body")
        guard body.outputs.count == ctx.node.outputs.count else {
            throw ctx.node.attributeError("body", "the body has \(body.outputs.count) outputs; the node has \(ctx.node.outputs.count)")
        }
        var types: [ValueType] = []
        for t in ControlFlowTypeRules.outputTypes(of: body) {
            guard let t, t.isTensor else { break }
            types.append(.sequence(of: t))
        }
        return types
    }

    static func optional(_ ctx: InferenceContext) throws -> [ValueType] {
        let declared = try ctx.node.typed(OptionalAttributes.self).type
        guard ctx.hasInput(0) else {
            guard let declared else { throw ctx.node.missing("type") }
            return [.optional(of: declared)]
        }
        let t = try ctx.valueType(0)
        guard t.isTensor || (t.isSequence && t.containers.count == 1) else {
            throw ctx.error("an optional holds a tensor or a sequence of tensors, not \(t)")
        }
        if let declared, declared.dtype != t.dtype || declared.containers != t.containers {
            throw ctx.node.attributeError("type", "the type is \(declared) but the input is \(t)")
        }
        return [.optional(of: t)]
    }

    static func getElement(_ ctx: InferenceContext) throws -> [ValueType] {
        let t = try ctx.valueType(0)
        guard t.isOptional else {
            // Opset 18 passes a tensor or sequence through; opset 15 takes optionals only.
            guard ctx.node.opset >= 18 else { throw ctx.error("input 0 is \(t); OptionalGetElement before opset 18 takes an optional") }
            return [t]
        }
        return [t.element!]
    }
}

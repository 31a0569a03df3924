/// Type rules of `If`, `Loop` and `Scan`, from the types their subgraphs declare or infer.
enum ControlFlowTypeRules {
    /// The types of a body's formal outputs: declared ones, else inferred from the body with its
    /// declared formal input types (outer values it reads count as unknown); nil where neither tells.
    static func outputTypes(of body: Subgraph) -> [ValueType?] {
        if body.outputs.allSatisfy({ $0.type != nil }) { return body.outputs.map(\.type) }
        var scope = body.graph
        scope.inputs = body.inputs.compactMap { v in v.type.map { ValueInfo(name: v.name, type: $0) } }
        let inferred = scope.inferTypes().types
        return body.outputs.map { $0.type ?? inferred[$0.name] }
    }

    /// The type both `a` and `b` fit: the same dtype, and dims that differ (or a rank that differs)
    /// unknown. Throws when the dtypes differ.
    static func join(_ a: ValueType?, _ b: ValueType?, _ ctx: InferenceContext, output: Int) throws -> ValueType? {
        guard let a, let b else { return a?.withoutShape ?? b?.withoutShape }
        guard a.dtype == b.dtype, a.containers == b.containers else {
            throw ctx.error("output \(output): the branches give \(a.kindDescription) and \(b.kindDescription)")
        }
        var joined = a.withoutShape
        guard let sa = a.shape, let sb = b.shape, sa.count == sb.count else { return joined }
        joined.shape = zip(sa, sb).map { $0 == $1 ? $0 : .anonymous }
        return joined
    }

    /// Known types up to the first unknown one (the driver leaves the rest unknown).
    private static func prefix(_ types: [ValueType?]) -> [ValueType] {
        var result: [ValueType] = []
        for t in types {
            guard let t else { break }
            result.append(t)
        }
        return result
    }

    static func ifRule(_ ctx: InferenceContext) throws -> [ValueType] {
        let then = try ctx.node.requiredSubgraph("then_branch"), otherwise = try ctx.node.requiredSubgraph("else_branch")
        let count = ctx.node.outputs.count
        for (name, body) in [("then_branch", then), ("else_branch", otherwise)] where body.outputs.count != count {
            throw ctx.node.attributeError(name, "the branch has \(body.outputs.count) outputs, the node \(count)")
        }
        let a = outputTypes(of: then), b = outputTypes(of: otherwise)
        return prefix(try (0..<count).map { try join(a[$0], b[$0], ctx, output: $0) })
    }

    static func loopRule(_ ctx: InferenceContext) throws -> [ValueType] {
        let body = try ctx.node.requiredSubgraph("body")
        let carried = ctx.inputCount - 2
        let scans = ctx.node.outputs.count - carried
        guard scans >= 0, body.inputs.count == carried + 2, body.outputs.count == carried + 1 + scans else {
            throw ctx.node.attributeError("body", "the body has \(body.inputs.count) inputs and \(body.outputs.count) outputs; "
                                          + "\(carried) loop-carried values need \(carried + 2) inputs and \(carried + 1) outputs or more")
        }
        let declared = outputTypes(of: body)
        var types: [ValueType?] = []
        for i in 0..<carried {
            let initial = i + 2 < ctx.inputTypes.count ? ctx.inputTypes[i + 2] : nil
            // A body may turn an optional carried value into what it holds (onnx's
            // test_loop16_seq_none): the body's declared output kind wins over the initial one.
            let kind = declared[i + 1] ?? initial
            types.append(initial.flatMap { t in
                guard var result = kind?.withoutShape, result.dtype == t.dtype else { return nil }
                // The value's shape may change from iteration to iteration; keep only what stays.
                guard let d = declared[i + 1], d.containers == t.containers, let ds = d.shape, let ts = t.shape, ds.count == ts.count else {
                    return result
                }
                result.shape = zip(ds, ts).map { $0 == $1 ? $0 : .anonymous }
                return result
            } ?? declared[i + 1]?.withoutShape)
        }
        for k in 0..<scans {
            types.append(declared[carried + 1 + k].map { t in ValueType(t.dtype, t.shape.map { [.anonymous] + $0 }) })
        }
        return prefix(types)
    }

    static func scanRule(_ ctx: InferenceContext) throws -> [ValueType] {
        let body = try ctx.node.requiredSubgraph("body")
        let attributes = try ctx.node.typed(ScanAttributes.self)
        let scanInputs = attributes.numScanInputs
        // Opset 8 has a first `sequence_lens` input and a batch axis on every value.
        let batched = ctx.node.opset < 9
        let first = batched ? 1 : 0
        let states = ctx.inputCount - first - scanInputs
        let scanOutputs = ctx.node.outputs.count - states
        guard scanInputs >= 1, states >= 0, scanOutputs >= 0 else {
            throw ctx.node.attributeError("num_scan_inputs", "\(scanInputs) scan inputs do not fit \(ctx.inputCount) inputs")
        }
        let declared = outputTypes(of: body)
        guard declared.count == states + scanOutputs else {
            throw ctx.node.attributeError("body", "the body has \(declared.count) outputs; the node needs \(states + scanOutputs)")
        }
        var types: [ValueType?] = (0..<states).map { i in ctx.inputTypes[first + i] }
        let axes = attributes.outputAxes ?? []
        let inputAxes = attributes.inputAxes ?? []
        var length = Dim.anonymous
        if let x = ctx.inputTypes[first + states], let shape = x.shape {
            let axis = batched ? 1 : (inputAxes.first ?? 0)
            let a = axis < 0 ? axis + shape.count : axis
            if shape.indices.contains(a) { length = shape[a] }
        }
        for k in 0..<scanOutputs {
            types.append(declared[states + k].map { t in
                guard var shape = t.shape else { return ValueType(t.dtype, nil) }
                if batched {
                    shape.insert(length, at: 0)
                    shape.insert(ctx.inputTypes[first + states]?.shape?.first ?? .anonymous, at: 0)
                    return ValueType(t.dtype, shape)
                }
                let axis = k < axes.count ? axes[k] : 0
                let a = axis < 0 ? axis + shape.count + 1 : axis
                guard (0...shape.count).contains(a) else { return ValueType(t.dtype, nil) }
                shape.insert(length, at: a)
                return ValueType(t.dtype, shape)
            })
        }
        return prefix(types)
    }
}

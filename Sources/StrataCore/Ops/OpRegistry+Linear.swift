extension OpRegistry {
    static let linearSchemas: [OpSchema] = [
        OpSchema("Det", opsets: 11...latestOpset, inputs: 1...1, category: .dense) { ctx in
            let x = try ctx.type(0)
            guard let shape = x.shape else { return [ValueType(x.dtype, nil)] }
            guard shape.count >= 2 else { throw ctx.error("input has rank \(shape.count); Det needs [*, M, M]") }
            if let m = shape[shape.count - 1].value, let n = shape[shape.count - 2].value, m != n {
                throw ctx.error("input ends in a \(n) × \(m) matrix; Det needs square matrices")
            }
            return [ValueType(x.dtype, Array(shape.dropLast(2)))]
        },
        OpSchema("Conv", inputs: 2...3, category: .convolution, attributes: ConvAttributes.self) { ctx in
            let attributes = try ctx.node.typed(ConvAttributes.self)
            let (x, w) = (try ctx.type(0), try ctx.shape(1))
            guard let xs = x.shape else { throw InferenceContext.Unknown() }
            let rank = try convSpatialRank(ctx, xs, w)
            let window = try SlidingWindow(attributes.window, node: ctx.node, rank: rank, kernel: try weightKernel(w, attributes.window))
            let group = attributes.group
            try checkChannels(ctx, group: group, inputChannels: xs[1], weightChannels: w[1])
            if group >= 1, let m = w[0].value, m % group != 0 {
                throw ctx.error("\(m) output channels do not divide into \(group) groups")
            }
            let spatial = try (0..<rank).map { try window.outputDim($0, xs[2 + $0], node: ctx.node) }
            return [ValueType(x.dtype, [xs[0], w[0]] + spatial)]
        },
        OpSchema("ConvTranspose", inputs: 2...3, category: .convolution, attributes: ConvTransposeAttributes.self) { ctx in
            let attributes = try ctx.node.typed(ConvTransposeAttributes.self)
            let (x, w) = (try ctx.type(0), try ctx.shape(1))
            guard let xs = x.shape else { throw InferenceContext.Unknown() }
            let rank = try convSpatialRank(ctx, xs, w)
            let geometry = try TransposedWindow(attributes, node: ctx.node, rank: rank, kernel: try weightKernel(w, attributes.window))
            let group = attributes.group
            if let c = xs[1].value, let wc = w[0].value, c != wc {
                throw ctx.error("input has \(c) channels, the weight expects \(wc)")
            }
            let channels: Dim = w[1].value.map { .known($0 * group) } ?? w[1]
            let spatial = try (0..<rank).map { try geometry.outputDim($0, xs[2 + $0], node: ctx.node) }
            return [ValueType(x.dtype, [xs[0], channels] + spatial)]
        },
        OpSchema("Gemm", inputs: 2...3, category: .dense, attributes: GemmAttributes.self) { ctx in
            let attributes = try ctx.node.typed(GemmAttributes.self)
            let a = try ctx.type(0)
            let (sa, sb) = (try ctx.shape(0), try ctx.shape(1))
            guard sa.count == 2, sb.count == 2 else {
                throw ctx.error("A and B must be matrices, found ranks \(sa.count) and \(sb.count)")
            }
            let (transA, transB) = (attributes.transA, attributes.transB)
            let (m, ka) = transA ? (sa[1], sa[0]) : (sa[0], sa[1])
            let (kb, n) = transB ? (sb[1], sb[0]) : (sb[0], sb[1])
            if let ka = ka.value, let kb = kb.value, ka != kb {
                throw ctx.node.error("inner dimensions differ: A gives \(ka), B gives \(kb)", kind: .invalidInput)
            }
            return [ValueType(a.dtype, [m, n])]
        },
        OpSchema("MatMul", inputs: 2...2, category: .dense) { ctx in
            let a = try ctx.type(0)
            return [ValueType(a.dtype, try matMulShape(try ctx.shape(0), try ctx.shape(1), node: ctx.node))]
        },
        OpSchema("Einsum", opsets: 12...OpRegistry.latestOpset, inputs: 1...Int.max, category: .dense,
                 attributes: EinsumAttributes.self) { ctx in
            let first = try ctx.type(0)
            let equation = try ctx.node.typed(EinsumAttributes.self).equation
            let shapes = try (0..<ctx.inputCount).map { try ctx.shape($0) }
            let (inputs, output) = try equation.labels(ranks: shapes.map(\.count), node: ctx.node)
            var sizes: [Int: Dim] = [:]
            for (labels, shape) in zip(inputs, shapes) {
                for (label, dim) in zip(labels, shape) {
                    guard let known = sizes[label], known != dim, dim != .known(1) else {
                        if sizes[label] == nil { sizes[label] = dim }
                        continue
                    }
                    if known.value != nil, dim.value != nil, known != .known(1) {
                        throw ctx.node.error("label sizes \(known) and \(dim) disagree", kind: .invalidInput)
                    }
                    if known == .known(1) || known.value == nil { sizes[label] = dim }
                }
            }
            return [ValueType(first.dtype, output.map { sizes[$0] ?? .known(1) })]
        },
    ]

    /// Number of spatial axes of a Conv/ConvTranspose from its input and weight shapes.
    fileprivate static func convSpatialRank(_ ctx: InferenceContext, _ x: [Dim], _ w: [Dim]) throws -> Int {
        guard x.count >= 3 else { throw ctx.error("input must have rank 3 or more ([N, C, spatial…]), found \(x.count)") }
        guard w.count == x.count else {
            throw ctx.error("weight rank \(w.count) does not match input rank \(x.count)")
        }
        return x.count - 2
    }

    /// The kernel shape the weight gives; unknown (not an error) when symbolic and not declared.
    fileprivate static func weightKernel(_ w: [Dim], _ window: WindowAttributes) throws -> [Int]? {
        let kernel = Array(w.dropFirst(2)).concrete
        if kernel == nil, window.kernelShape == nil { throw InferenceContext.Unknown() }
        return kernel
    }

    fileprivate static func checkChannels(_ ctx: InferenceContext, group: Int, inputChannels: Dim, weightChannels: Dim) throws {
        guard group >= 1 else { throw ctx.node.attributeError("group", "must be positive, found \(group)") }
        if let c = inputChannels.value, let wc = weightChannels.value, c != wc * group {
            throw ctx.node.error("input has \(c) channels; weight expects \(wc) per group × \(group) groups", kind: .invalidInput)
        }
    }

    /// numpy `matmul` result shape: 1-D operands are promoted and the added axis removed again;
    /// batch axes broadcast.
    public static func matMulShape(_ a: [Dim], _ b: [Dim], node: Node) throws -> [Dim] {
        guard !a.isEmpty, !b.isEmpty else { throw node.error("MatMul operands must have rank 1 or more") }
        let a2 = a.count == 1 ? [1] + a : a
        let b2 = b.count == 1 ? b + [1] : b
        let k1 = a2[a2.count - 1], k2 = b2[b2.count - 2]
        if let k1 = k1.value, let k2 = k2.value, k1 != k2 {
            throw node.error("inner dimensions differ: \(a.shapeDescription) × \(b.shapeDescription)", kind: .invalidInput)
        }
        var batch = try matMulBatchBroadcast(Array(a2.dropLast(2)), Array(b2.dropLast(2)), node: node)
        if a.count > 1 { batch.append(a2[a2.count - 2]) }
        if b.count > 1 { batch.append(b2[b2.count - 1]) }
        return batch
    }

    /// Multidirectional (numpy) broadcast of two shapes; a symbolic size meets 1 or itself.
    fileprivate static func matMulBatchBroadcast(_ a: [Dim], _ b: [Dim], node: Node) throws -> [Dim] {
        let rank = Swift.max(a.count, b.count)
        return try (0..<rank).map { i in
            let x = i < rank - a.count ? Dim.known(1) : a[i - (rank - a.count)]
            let y = i < rank - b.count ? Dim.known(1) : b[i - (rank - b.count)]
            if x == y || y == .known(1) { return x }
            if x == .known(1) { return y }
            if x.value != nil, y.value != nil {
                throw node.error("batch shapes \(a.shapeDescription) and \(b.shapeDescription) do not broadcast", kind: .invalidInput)
            }
            return x.value == nil ? x : y
        }
    }
}

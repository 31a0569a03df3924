extension OpRegistry {
    /// Detection and sampling ops: non-maximum suppression, region pooling, unpooling and
    /// deformable convolution.
    static let detectionSchemas: [OpSchema] = [
        OpSchema("NonMaxSuppression", opsets: 10...latestOpset, inputs: 2...5, category: .other) { ctx in
            _ = try ctx.type(0)
            return [ValueType(.int64, [.anonymous, .known(3)])]
        },
        OpSchema("RoiAlign", opsets: 10...latestOpset, inputs: 3...3, category: .pooling) { ctx in
            let x = try ctx.type(0)
            let rois = try ctx.shape(1)
            let channels: Dim = x.shape.map { $0.count == 4 ? $0[1] : .anonymous } ?? .anonymous
            let height = try ctx.node.int("output_height", default: 1), width = try ctx.node.int("output_width", default: 1)
            return [ValueType(x.dtype, [rois.first ?? .anonymous, channels, .known(height), .known(width)])]
        },
        OpSchema("MaxUnpool", opsets: 9...latestOpset, inputs: 2...3, category: .pooling) { ctx in
            let x = try ctx.type(0)
            if ctx.hasInput(2) {
                guard let dims = ctx.dimsValue(2) else { return [ValueType(x.dtype, nil)] }
                return [ValueType(x.dtype, dims)]
            }
            guard let shape = x.shape, let kernel = try ctx.node.ints("kernel_shape"), shape.count == kernel.count + 2 else {
                return [ValueType(x.dtype, nil)]
            }
            let strides = try ctx.node.ints("strides") ?? Array(repeating: 1, count: kernel.count)
            let pads = try ctx.node.ints("pads") ?? Array(repeating: 0, count: 2 * kernel.count)
            guard strides.count == kernel.count, pads.count == 2 * kernel.count else { return [ValueType(x.dtype, nil)] }
            let spatial: [Dim] = kernel.indices.map { i in
                shape[i + 2].value.map { .known(($0 - 1) * strides[i] + kernel[i] - pads[i] - pads[i + kernel.count]) } ?? .anonymous
            }
            return [ValueType(x.dtype, Array(shape.prefix(2)) + spatial)]
        },
            OpSchema("DeformConv", opsets: 19...latestOpset, inputs: 3...5, category: .convolution,
                     attributes: ConvAttributes.self) { ctx in
            let (x, w, offset) = (try ctx.type(0), try ctx.type(1), try ctx.type(2))
            guard let xs = x.shape, let ws = w.shape, let os = offset.shape, xs.count == os.count, !ws.isEmpty else {
                return [ValueType(x.dtype, nil)]
            }
            return [ValueType(x.dtype, [xs[0], ws[0]] + os.dropFirst(2))]
        },
    ]
}

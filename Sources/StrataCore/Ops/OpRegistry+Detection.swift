extension OpRegistry {
    /// Detection and sampling ops: non-maximum suppression, region pooling, unpooling and
    /// deformable convolution.
    static let detectionSchemas: [OpSchema] = [
        OpSchema("NonMaxSuppression", opsets: 10...latestOpset, inputs: 2...5, category: .other,
                 attributes: NonMaxSuppressionAttributes.self) { ctx in
            _ = try ctx.type(0)
            return [ValueType(.int64, [.anonymous, .known(3)])]
        },
        OpSchema("RoiAlign", opsets: 10...latestOpset, inputs: 3...3, category: .pooling,
                 attributes: RoiAlignAttributes.self) { ctx in
            let attributes = try ctx.node.typed(RoiAlignAttributes.self)
            let x = try ctx.type(0)
            let rois = try ctx.shape(1)
            let channels: Dim = x.shape.map { $0.count == 4 ? $0[1] : .anonymous } ?? .anonymous
            return [ValueType(x.dtype, [rois.first ?? .anonymous, channels, .known(attributes.outputHeight),
                                        .known(attributes.outputWidth)])]
        },
        OpSchema("MaxUnpool", opsets: 9...latestOpset, inputs: 2...3, category: .pooling,
                 attributes: MaxUnpoolAttributes.self) { ctx in
            let x = try ctx.type(0)
            if ctx.hasInput(2) {
                guard let dims = ctx.dimsValue(2) else { return [ValueType(x.dtype, nil)] }
                return [ValueType(x.dtype, dims)]
            }
            let attributes = try ctx.node.typed(MaxUnpoolAttributes.self)
            let (kernel, strides, pads) = (attributes.kernelShape, attributes.strides, attributes.pads)
            guard let shape = x.shape, shape.count == kernel.count + 2 else { return [ValueType(x.dtype, nil)] }
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

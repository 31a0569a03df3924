import StrataCore

/// ONNX `ConvTranspose` on float32, 1-D to N-D: per image and group one GEMM `Wᵀ·X` gives every
/// kernel tap's contribution, which col2im adds onto the bias-filled output, skipping what the
/// padding crops. float16, bfloat16 and float64 are computed in float32.
struct ConvTransposeKernel: Kernel {
    let node: Node
    let attributes: ConvTransposeAttributes
    var group: Int { attributes.group }

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributes = try node.typed(ConvTransposeAttributes.self)
        if let w = ctx.inputTypes.count > 1 ? ctx.inputTypes[1]?.shape?.concrete : nil, w.count >= 3 {
            _ = try TransposedWindow(attributes, node: node, rank: w.count - 2, kernel: Array(w.dropFirst(2)))
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard inputs.count >= 2, let x = inputs[0], let w = inputs[1] else { throw node.error("needs inputs X and W") }
        if x.dtype == .float16 || x.dtype == .bfloat16 || x.dtype == .float64 {
            return try runWidened(inputs, from: x.dtype, context: context) { try run($0, context: context) }
        }
        let bias = inputs.count > 2 ? inputs[2] : nil
        for (t, name) in [(x, "X"), (w, "W")] + (bias.map { [($0, "B")] } ?? []) where t.dtype != .float32 {
            throw node.error("\(name) has dtype \(t.dtype.rawValue); ConvTranspose runs on float32 (float16, bfloat16 and float64 through float32)", kind: .unsupported)
        }
        guard x.rank >= 3, w.rank == x.rank else {
            throw node.error("X \(x.shape) and W \(w.shape) must be [N, C, spatial…] and [C, M/group, kernel…]", kind: .invalidInput)
        }
        let (batch, channels) = (x.shape[0], x.shape[1])
        let groupMaps = w.shape[1], maps = w.shape[1] * group
        guard w.shape[0] == channels, channels % group == 0 else {
            throw node.error("X has \(channels) channels and W is \(w.shape) with group \(group)", kind: .invalidInput)
        }
        if let bias, bias.count != maps {
            throw node.error("B has \(bias.count) values for \(maps) output channels", kind: .invalidInput)
        }
        let spatial = Array(x.shape.dropFirst(2))
        let transposed = try TransposedWindow(attributes, node: node, rank: spatial.count, kernel: Array(w.shape.dropFirst(2)))
        let (outSpatial, padBegin) = try transposed.place(over: spatial, node: node)
        // The convolution whose adjoint this is slides over the output and lands on the input.
        let geometry = ConvGeometry(input: outSpatial, output: spatial, window: transposed.window, padBegin: padBegin)
        let y = try Tensor(dtype: .float32, shape: [batch, maps] + outSpatial)
        let out = y.pointer(as: Float.self)
        let outSize = geometry.inputSize, inSize = geometry.outputSize
        for n in 0..<batch {
            for m in 0..<maps {
                (out + (n * maps + m) * outSize).update(repeating: bias?.pointer(as: Float.self)[m] ?? 0, count: outSize)
            }
        }
        if y.count == 0 || inSize == 0 { return [y] }

        let groupChannels = channels / group
        let rows = groupMaps * geometry.kernelSize
        let col = UnsafeMutablePointer<Float>.allocate(capacity: rows * inSize)
        defer { col.deallocate() }
        let scratch = ScratchPointer(col), target = ScratchPointer(out)
        let (px, pw) = (x.pointer(as: Float.self), w.pointer(as: Float.self))
        for n in 0..<batch {
            for g in 0..<group {
                context.gemm(transA: true, transB: false, m: rows, n: inSize, k: groupChannels, alpha: Float(1),
                             a: pw + g * groupChannels * rows, lda: rows,
                             b: px + (n * channels + g * groupChannels) * inSize, ldb: inSize,
                             beta: 0, c: col, ldc: inSize)
                let planeStart = (n * maps + g * groupMaps) * outSize
                context.parallelFor(groupMaps, minChunk: Swift.max(1, 4096 / Swift.max(1, rows / groupMaps * inSize))) { range in
                    geometry.col2im(scratch.pointer, channels: range, into: target.pointer + planeStart)
                }
            }
        }
        return [y]
    }
}

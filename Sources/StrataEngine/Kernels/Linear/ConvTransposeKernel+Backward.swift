import StrataCore

extension ConvTransposeKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues {
        var inputs = Set<Int>()
        if wanted[0] { inputs.insert(1) }
        if wanted.count > 1 && wanted[1] { inputs.insert(0) }
        return SavedValues(inputs: inputs)
    }

    /// ConvTranspose is the adjoint of a convolution, so its input gradient is that convolution:
    /// per image and group `dX = W·im2col(dY)` over the same window; `dW = X·im2col(dY)ᵀ`;
    /// `dB = Σ dY` per output channel.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        let dy = step.gradient
        let xShape = step.shape(0), wShape = step.shape(1)
        let (batch, channels) = (xShape[0], xShape[1])
        let groupMaps = wShape[1], maps = wShape[1] * group
        let spatial = Array(xShape.dropFirst(2))
        let transposed = try TransposedWindow(attributes, node: node, rank: spatial.count, kernel: Array(wShape.dropFirst(2)))
        let (outSpatial, padBegin) = try transposed.place(over: spatial, node: node)
        let geometry = ConvGeometry(input: outSpatial, output: spatial, window: transposed.window, padBegin: padBegin)
        guard dy.shape == [batch, maps] + outSpatial else {
            throw node.error("output gradient \(dy.shape) does not match the output", kind: .invalidInput)
        }
        let outSize = geometry.inputSize, inSize = geometry.outputSize
        let groupChannels = channels / group
        let rows = groupMaps * geometry.kernelSize
        var result = [Tensor?](repeating: nil, count: step.inputShapes.count)
        let dx = step.wants(0) ? try GradientMath.zeros(xShape) : nil
        let dw = step.wants(1) ? try GradientMath.zeros(wShape) : nil
        if dx != nil || dw != nil, inSize > 0 {
            let w = step.wants(0) ? step.input(1) : nil, x = step.wants(1) ? step.input(0) : nil
            try GradientMath.requireFloat32([w, x], node)
            let col = UnsafeMutablePointer<Float>.allocate(capacity: rows * inSize)
            defer { col.deallocate() }
            let pdy = dy.pointer(as: Float.self)
            for n in 0..<batch {
                for g in 0..<group {
                    geometry.im2col(pdy + (n * maps + g * groupMaps) * outSize, rows: 0..<rows, into: col)
                    if let dx, let w {
                        Float.gemm(transA: false, transB: false, m: groupChannels, n: inSize, k: rows, alpha: 1,
                                   a: w.pointer(as: Float.self) + g * groupChannels * rows, lda: rows, b: col, ldb: inSize,
                                   beta: 0, c: dx.pointer(as: Float.self) + (n * channels + g * groupChannels) * inSize, ldc: inSize)
                    }
                    if let dw, let x {
                        Float.gemm(transA: false, transB: true, m: groupChannels, n: rows, k: inSize, alpha: 1,
                                   a: x.pointer(as: Float.self) + (n * channels + g * groupChannels) * inSize, lda: inSize,
                                   b: col, ldb: inSize, beta: 1, c: dw.pointer(as: Float.self) + g * groupChannels * rows, ldc: rows)
                    }
                }
            }
        }
        result[0] = dx
        if step.inputShapes.count > 1 { result[1] = dw }
        if step.wants(2) {
            let db = try GradientMath.zeros([maps])
            for n in 0..<batch {
                for m in 0..<maps {
                    let src = dy.pointer(as: Float.self) + (n * maps + m) * outSize
                    var s: Float = 0
                    for o in 0..<outSize { s += src[o] }
                    db.pointer(as: Float.self)[m] += s
                }
            }
            result[2] = db
        }
        return result
    }
}

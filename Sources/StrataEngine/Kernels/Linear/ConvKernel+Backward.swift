import CStrataKernels
import StrataCore

extension ConvKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues {
        var inputs = Set<Int>()
        if wanted[0] { inputs.insert(1) }
        if wanted.count > 1 && wanted[1] { inputs.insert(0) }
        return SavedValues(inputs: inputs)
    }

    /// `dX` is the transposed convolution of `dY` (per image and group, `Wᵀ·dY` then col2im, the
    /// adjoint of the forward im2col); `dW` is `dY·im2col(X)ᵀ`; `dB` sums `dY` per output channel.
    /// Depthwise convolutions scatter each tap directly.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        let dy = step.gradient
        let xShape = step.shape(0), wShape = step.shape(1)
        let rank = xShape.count - 2
        let (batch, channels, maps) = (xShape[0], xShape[1], wShape[0])
        let kernel = Array(wShape.dropFirst(2))
        let window = try self.window.flatMap { $0.kernel == kernel ? $0 : nil } ?? SlidingWindow(attributes.window, node: node, rank: rank, kernel: kernel)
        let placement = try window.place(over: Array(xShape.dropFirst(2)), node: node)
        let geometry = ConvGeometry(input: Array(xShape.dropFirst(2)), output: placement.output, window: window,
                                    padBegin: placement.padBegin)
        guard dy.shape == [batch, maps] + placement.output else {
            throw node.error("output gradient \(dy.shape) does not match the convolution's output", kind: .invalidInput)
        }
        let problem = ConvBackward(geometry: geometry, batch: batch, channels: channels, maps: maps, group: group,
                                   dy: Pointers(dy))
        var result = [Tensor?](repeating: nil, count: step.inputShapes.count)
        if step.wants(0) {
            let w = step.input(1)
            try GradientMath.requireFloat32([w], node)
            let dx = try GradientMath.zeros(xShape)
            if channels / group == 1 {
                problem.depthwiseInput(w: Pointers(w), dx: Pointers(dx), context: context)
            } else {
                problem.unfoldedInput(w: Pointers(w), dx: Pointers(dx), context: context)
            }
            result[0] = dx
        }
        if step.wants(1) {
            let x = step.input(0)
            try GradientMath.requireFloat32([x], node)
            let dw = try GradientMath.zeros(wShape)
            problem.weight(x: Pointers(x), dw: Pointers(dw))
            result[1] = dw
        }
        if step.wants(2) {
            let db = try GradientMath.zeros([maps])
            let size = geometry.outputSize
            for n in 0..<batch {
                for m in 0..<maps {
                    let src = dy.pointer(as: Float.self) + (n * maps + m) * size
                    var s: Float = 0
                    for o in 0..<size { s += src[o] }
                    db.pointer(as: Float.self)[m] += s
                }
            }
            result[2] = db
        }
        return result
    }
}

/// One Conv backward call's sizes and the output gradient.
private struct ConvBackward: Sendable {
    let geometry: ConvGeometry
    let batch, channels, maps, group: Int
    let dy: Pointers

    var groupChannels: Int { channels / group }
    var groupMaps: Int { maps / group }

    /// Per image and group: `col = Wᵀ·dY` (W transposed once so the blocked GEMM can run it),
    /// then col2im adds every column entry back where im2col took it from.
    func unfoldedInput(w: Pointers, dx: Pointers, context: ExecutionContext) {
        let (inSize, outSize, taps) = (geometry.inputSize, geometry.outputSize, geometry.kernelSize)
        let rows = groupChannels * taps
        let transposed = UnsafeMutablePointer<Float>.allocate(capacity: maps * rows)
        defer { transposed.deallocate() }
        for g in 0..<group {
            let src = w.p + g * groupMaps * rows, dst = transposed + g * groupMaps * rows
            for m in 0..<groupMaps {
                for r in 0..<rows { dst[r * groupMaps + m] = src[m * rows + r] }
            }
        }
        let col = UnsafeMutablePointer<Float>.allocate(capacity: rows * outSize)
        defer { col.deallocate() }
        let scratch = ScratchPointer(col)
        let geometry = self.geometry
        for n in 0..<batch {
            for g in 0..<group {
                BlockedGemm.multiply(m: rows, n: outSize, k: groupMaps, a: transposed + g * groupMaps * rows, lda: groupMaps,
                                     b: dy.p + (n * maps + g * groupMaps) * outSize, ldb: outSize,
                                     c: col, ldc: outSize, accumulate: false, context: context)
                let target = Pointers(dx.p + (n * channels + g * groupChannels) * inSize)
                context.parallelFor(groupChannels) { range in
                    geometry.col2im(scratch.pointer, channels: range, into: target.p)
                }
            }
        }
    }

    /// One input channel per group: each output plane adds `w·dY` to the input positions each
    /// tap read, plane by plane in parallel over input channels.
    func depthwiseInput(w: Pointers, dx: Pointers, context: ExecutionContext) {
        let (inSize, outSize, taps) = (geometry.inputSize, geometry.outputSize, geometry.kernelSize)
        let multiplier = groupMaps
        if let g = geometry.window2d {
            context.parallelFor(batch * channels) { range in
                for plane in range {
                    let (n, c) = plane.quotientAndRemainder(dividingBy: channels)
                    for j in 0..<multiplier {
                        let m = c * multiplier + j
                        ConvBackward.scatterPlane(dy.p + (n * maps + m) * outSize, w.p + m * taps, g, into: dx.p + plane * inSize)
                    }
                }
            }
            return
        }
        let offsets = (0..<taps).map { geometry.tapOffsets($0) }
        context.parallelFor(batch * channels) { range in
            for plane in range {
                let (n, c) = plane.quotientAndRemainder(dividingBy: channels)
                let target = dx.p + plane * inSize
                for j in 0..<multiplier {
                    let m = c * multiplier + j
                    let source = dy.p + (n * maps + m) * outSize
                    for tap in 0..<taps {
                        let weight = w.p[m * taps + tap]
                        offsets[tap].withUnsafeBufferPointer { table in
                            for o in 0..<outSize where table[o] >= 0 { target[table[o]] += weight * source[o] }
                        }
                    }
                }
            }
        }
    }

    /// Adds, for every tap of a 2-D window, `weight·dY` to the input positions the tap read: per
    /// output row, the range of columns whose tap lands inside the input is computed up front, so
    /// the inner loop has no bounds test (indices in it stay within the plane by construction).
    static func scatterPlane(_ source: UnsafeMutablePointer<Float>, _ weights: UnsafeMutablePointer<Float>,
                             _ g: strata_window2d, into target: UnsafeMutablePointer<Float>) {
        let (inH, inW, outH, outW) = (Int(g.in_h), Int(g.in_w), Int(g.out_h), Int(g.out_w))
        let (sh, sw, dh, dw) = (Int(g.stride_h), Int(g.stride_w), Int(g.dilation_h), Int(g.dilation_w))
        let (top, left) = (Int(g.pad_top), Int(g.pad_left))
        for kh in 0..<Int(g.kernel_h) {
            for kw in 0..<Int(g.kernel_w) {
                let weight = weights[kh * Int(g.kernel_w) + kw]
                let shift = kw * dw - left
                // Columns ow with 0 ≤ ow·sw + shift < inW.
                let first = shift >= 0 ? 0 : (-shift + sw - 1) / sw
                let last = inW - 1 - shift < 0 ? -1 : Swift.min(outW - 1, (inW - 1 - shift) / sw)
                guard first <= last else { continue }
                for oh in 0..<outH {
                    let ih = oh * sh - top + kh * dh
                    guard ih >= 0 && ih < inH else { continue }
                    let src = source + oh * outW, dst = target + ih * inW + shift
                    if sw == 1 {
                        for ow in first...last { dst[ow] += weight * src[ow] }
                    } else {
                        for ow in first...last { dst[ow &* sw] += weight * src[ow] }
                    }
                }
            }
        }
    }

    /// `dW += dY·im2col(X)ᵀ` per image and group.
    func weight(x: Pointers, dw: Pointers) {
        let (inSize, outSize, taps) = (geometry.inputSize, geometry.outputSize, geometry.kernelSize)
        let rows = groupChannels * taps
        let col = UnsafeMutablePointer<Float>.allocate(capacity: rows * outSize)
        defer { col.deallocate() }
        for n in 0..<batch {
            for g in 0..<group {
                geometry.im2col(x.p + (n * channels + g * groupChannels) * inSize, rows: 0..<rows, into: col)
                Float.gemm(transA: false, transB: true, m: groupMaps, n: rows, k: outSize, alpha: 1,
                           a: dy.p + (n * maps + g * groupMaps) * outSize, lda: outSize, b: col, ldb: outSize,
                           beta: 1, c: dw.p + g * groupMaps * rows, ldc: rows)
            }
        }
    }
}

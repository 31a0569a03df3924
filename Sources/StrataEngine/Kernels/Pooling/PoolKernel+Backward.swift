import StrataCore

extension PoolKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues {
        if case .max = mode { return .inputs(0) }
        return .none
    }

    /// MaxPool gives each window's gradient to the first maximum in the window's scan order (the
    /// element the forward pass picked, as PyTorch's `max_pool2d` does); AveragePool spreads it
    /// evenly over the taps it averaged.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        guard step.wants(0) else { return [nil] }
        let shape = step.shape(0)
        let window = try self.window.flatMap { $0.rank == shape.count - 2 ? $0 : nil }
            ?? SlidingWindow(attributes.window, node: node, rank: shape.count - 2, kernel: nil, allowsCeilMode: true)
        let spatial = Array(shape.dropFirst(2))
        let placement = try window.place(over: spatial, node: node)
        let geometry = PoolWindow(window: window, placement: placement, input: spatial)
        let planes = shape[0] * shape[1]
        let dx = try GradientMath.zeros(shape)
        let g = step.gradient
        guard g.count == planes * geometry.outputSize else {
            throw node.error("output gradient \(g.shape) does not match the pool's output", kind: .invalidInput)
        }
        let job: PoolBackward
        switch mode {
        case .max:
            let x = step.input(0)
            try GradientMath.requireFloat32([x], node)
            job = PoolBackward(geometry: geometry, g: Pointers(g), dx: Pointers(dx), x: Pointers(x), countIncludePad: nil)
        case .average(let includePad):
            job = PoolBackward(geometry: geometry, g: Pointers(g), dx: Pointers(dx), x: nil, countIncludePad: includePad)
        }
        context.parallelFor(planes, minChunk: Swift.max(1, 16384 / Swift.max(1, geometry.outputSize))) { range in
            for plane in range { job.run(plane: plane) }
        }
        return [dx] + [Tensor?](repeating: nil, count: Swift.max(0, step.inputShapes.count - 1))
    }
}

/// One pool's backward pass over independent planes, walking the windows as the forward pass does.
private struct PoolBackward: Sendable {
    let geometry: PoolWindow
    let g: Pointers
    let dx: Pointers
    /// The input, for MaxPool; nil for AveragePool.
    let x: Pointers?
    let countIncludePad: Bool?

    func run(plane: Int) {
        let s = geometry
        let (h, w) = (s.input[1], s.input[2])
        let target = dx.p + plane * s.inputSize
        let source = x.map { $0.p + plane * s.inputSize }
        var out = plane * s.outputSize
        for sd in s.spans[0] {
            for sh in s.spans[1] {
                for sw in s.spans[2] {
                    let v = g.p[out]
                    out += 1
                    if let source {
                        var best: Float = -.infinity, at = -1
                        for kd in sd.lo..<sd.hi {
                            let id = sd.start + kd * s.dilations[0]
                            for kh in sh.lo..<sh.hi {
                                let row = (id * h + sh.start + kh * s.dilations[1]) * w + sw.start
                                for kw in sw.lo..<sw.hi {
                                    let i = row + kw * s.dilations[2]
                                    if source[i] > best || at < 0 { best = source[i]; at = i }
                                }
                            }
                        }
                        if at >= 0 { target[at] += v }
                    } else {
                        let count = countIncludePad == true
                            ? sd.padded * sh.padded * sw.padded
                            : (sd.hi - sd.lo) * (sh.hi - sh.lo) * (sw.hi - sw.lo)
                        guard count > 0 else { continue }
                        let share = v / Float(count)
                        for kd in sd.lo..<sd.hi {
                            let id = sd.start + kd * s.dilations[0]
                            for kh in sh.lo..<sh.hi {
                                let row = (id * h + sh.start + kh * s.dilations[1]) * w + sw.start
                                for kw in sw.lo..<sw.hi { target[row + kw * s.dilations[2]] += share }
                            }
                        }
                    }
                }
            }
        }
    }
}

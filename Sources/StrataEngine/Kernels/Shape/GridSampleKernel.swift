import StrataCore

/// GridSample: `out[n, c, p…] = X[n, c]` sampled at the normalised coordinates `grid[n, p…, :]`
/// (innermost spatial axis first, in [-1, 1]), with nearest (round half to even), linear or
/// cubic (a = -0.75) interpolation and `zeros`, `border` or `reflection` padding, following the
/// ONNX reference. Opset 16 is 4-D with modes `bilinear`/`bicubic`; opset 20 allows any rank.
/// Computes in float32; any floating-point dtype.
struct GridSampleKernel: Kernel {
    typealias Mode = GridSampleAttributes.Mode
    typealias Padding = GridSampleAttributes.Padding

    let node: Node
    let mode: Mode
    let padding: Padding
    let alignCorners: Bool

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(GridSampleAttributes.self)
        (mode, padding, alignCorners) = (attributes.mode, attributes.padding, attributes.alignCorners)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0), grid = try args.tensor(1)
        let spatial = x.rank - 2
        guard spatial >= 1, grid.rank == x.rank, grid.shape[0] == x.shape[0], grid.shape[grid.rank - 1] == spatial,
              node.opset >= 20 || spatial == 2
        else {
            throw node.error("input \(x.shape) and grid \(grid.shape) do not fit", kind: .invalidInput)
        }
        guard x.dtype.isFloatingPoint, grid.dtype.isFloatingPoint else {
            throw node.error("GridSample of \(x.dtype.rawValue) is not supported (floating point only)", kind: .unsupported)
        }
        let (n, c) = (x.shape[0], x.shape[1])
        let dims = Array(x.shape[2...])
        guard dims.allSatisfy({ $0 > 0 }) else {
            throw node.error("cannot sample an input with an empty spatial axis, shape \(x.shape)", kind: .invalidInput)
        }
        let positionsShape = Array(grid.shape[1..<(grid.rank - 1)])
        let outShape = [n, c] + positionsShape
        try OutputBudget.check(outShape, x.dtype, node: node)
        let positions = positionsShape.reduce(1, *)
        let plane = dims.reduce(1, *)
        let src = try x.converted(to: .float32, context: context)
        let coords = try grid.converted(to: .float32, context: context)
        let out = try Tensor(dtype: .float32, shape: outShape)
        let input = RawAddress(src.rawPointer), gridAddress = RawAddress(coords.rawPointer), output = RawAddress(out.rawPointer)
        let sampler = self
        context.parallelFor(n * positions, minChunk: 64) { range in
            let xp = input.pointer.assumingMemoryBound(to: Float.self)
            let gp = gridAddress.pointer.assumingMemoryBound(to: Float.self)
            let op = output.mutablePointer.assumingMemoryBound(to: Float.self)
            var taps: [(offset: Int, weight: Double)] = []
            for item in range {
                let b = item / positions, p = item % positions
                // Grid coordinates run innermost axis first.
                let g = gp + item * spatial
                let location = (0..<spatial).map { Double(g[spatial - 1 - $0]) }
                sampler.taps(location, dims: dims, into: &taps)
                for ch in 0..<c {
                    let base = xp + (b * c + ch) * plane
                    var sum = 0.0
                    for t in taps { sum += t.weight * Double(base[t.offset]) }
                    op[(b * c + ch) * positions + p] = Float(sum)
                }
            }
        }
        return [try out.converted(to: x.dtype, context: context)]
    }

    /// The input offsets (within one channel plane) and weights a sample at normalised `location` reads.
    func taps(_ location: [Double], dims: [Int], into taps: inout [(offset: Int, weight: Double)]) {
        taps.removeAll(keepingCapacity: true)
        taps.append((0, 1))
        for (d, v) in location.enumerated() {
            let size = dims[d]
            let low = alignCorners ? 0 : -0.5, high = alignCorners ? Double(size - 1) : Double(size) - 0.5
            var xd = alignCorners ? (v + 1) / 2 * Double(size - 1) : ((v + 1) * Double(size) - 1) / 2
            if mode == .nearest { xd = xd.rounded(.toNearestOrEven) }
            if xd < low || xd > high {
                switch padding {
                case .border: xd = Swift.min(Swift.max(xd, 0), Double(size - 1))
                case .reflection: xd = Self.reflect(xd, low, high)
                case .zeros: break
                }
            }
            // NaN or absurdly distant coordinates sample nothing (zero) rather than trap on `Int(_:)`.
            guard abs(xd) < Double(1 << 40) else {
                taps.removeAll()
                return
            }
            var axisTaps: [(Int, Double)] = []
            switch mode {
            case .nearest:
                axisTaps = [(Int(xd.rounded(.towardZero)), 1)]
            case .linear:
                let x0 = xd.rounded(.down), t = xd - x0
                axisTaps = [(Int(x0), 1 - t), (Int(x0) + 1, t)]
            case .cubic:
                let x0 = xd.rounded(.down), t = xd - x0
                let a = -0.75
                let w0 = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a
                let w1 = ((a + 2) * t - (a + 3)) * t * t + 1
                let w2 = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1
                let w3 = ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a
                axisTaps = [(Int(x0) - 1, w0), (Int(x0), w1), (Int(x0) + 1, w2), (Int(x0) + 2, w3)]
            }
            var next: [(offset: Int, weight: Double)] = []
            next.reserveCapacity(taps.count * axisTaps.count)
            for t in taps {
                for (i, w) in axisTaps {
                    if let k = pixel(i, size: size, low: low, high: high) {
                        next.append((t.offset * size + k, t.weight * w))
                    }
                }
            }
            taps = next
        }
    }

    /// The in-range index a tap at `i` reads, or nil for a zero (the `zeros` padding).
    private func pixel(_ i: Int, size: Int, low: Double, high: Double) -> Int? {
        if i >= 0 && i < size { return i }
        switch padding {
        case .zeros: return nil
        case .border: return Swift.min(Swift.max(i, 0), size - 1)
        case .reflection: return Swift.min(Swift.max(Int(Self.reflect(Double(i), low, high)), 0), size - 1)
        }
    }

    /// `x` reflected off the borders `[low, high]` until inside.
    static func reflect(_ x: Double, _ low: Double, _ high: Double) -> Double {
        let span = high - low
        guard span > 0 else { return low }
        if x < low {
            let dx = low - x
            let n = (dx / span).rounded(.towardZero)
            let r = dx - n * span
            return Int(n).isMultiple(of: 2) ? low + r : high - r
        }
        if x > high {
            let dx = x - high
            let n = (dx / span).rounded(.towardZero)
            let r = dx - n * span
            return Int(n).isMultiple(of: 2) ? high - r : low + r
        }
        return x
    }
}

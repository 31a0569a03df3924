import StrataCore
import CStrataKernels

/// ONNX `MaxPool` (with the optional int64 `Indices` output) and `AveragePool`, 1-D to 3-D, with
/// strides, dilations, explicit or automatic padding and ceil mode. Padding never wins a max;
/// averages divide by the taps inside the input, or also those in the explicit padding when
/// `count_include_pad` is set. Runs in parallel over the N·C planes.
struct PoolKernel: Kernel {
    enum Mode: Sendable {
        case max
        case average(countIncludePad: Bool)
    }

    let node: Node
    let attributes: PoolAttributes
    let mode: Mode
    /// MaxPool's `storage_order`: 1 numbers `Indices` column-major within each plane.
    let columnMajorIndices: Bool
    /// Parsed at build time when the input rank is known then; otherwise on each run.
    let window: SlidingWindow?

    init(_ ctx: KernelBuildContext, max: Bool) throws {
        node = ctx.node
        let attributes = try node.typed(PoolAttributes.self)
        self.attributes = attributes
        if max {
            mode = .max
            columnMajorIndices = attributes.columnMajorIndices
        } else {
            mode = .average(countIncludePad: attributes.countIncludePad)
            columnMajorIndices = false
        }
        if let rank = ctx.inputTypes.first??.rank, rank >= 3 {
            window = try Self.parseWindow(attributes, node, rank: rank - 2)
        } else {
            window = nil
        }
    }

    private static func parseWindow(_ attributes: PoolAttributes, _ node: Node, rank: Int) throws -> SlidingWindow {
        let window = try SlidingWindow(attributes.window, node: node, rank: rank, kernel: nil, allowsCeilMode: true)
        try window.requirePadsSmallerThanKernel(node: node)
        return window
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard let x = inputs.first ?? nil else { throw node.error("needs input X") }
        guard x.rank >= 3 else { throw node.error("X \(x.shape) must be [N, C, spatial…]", kind: .invalidInput) }
        guard x.rank <= 5 else { throw node.error("pooling over \(x.rank - 2) spatial axes is not supported", kind: .unsupported) }
        let window = try self.window.flatMap { $0.rank == x.rank - 2 ? $0 : nil } ?? Self.parseWindow(attributes, node, rank: x.rank - 2)
        let spatial = Array(x.shape.dropFirst(2))
        let placement = try window.place(over: spatial, node: node)
        let geometry = PoolWindow(window: window, placement: placement, input: spatial)
        let planes = x.shape[0] * x.shape[1]
        let outShape = Array(x.shape.prefix(2)) + placement.output
        let wantIndices = isMax && node.outputs.count > 1 && !node.outputs[1].isEmpty
        if x.dtype == .float32, spatial.count <= 2, !wantIndices {
            let plane = ConvGeometry(input: spatial, output: placement.output, window: window, padBegin: placement.padBegin)
            return [try poolPlanes2d(x, plane, geometry, planes: planes, shape: outShape, context)]
        }
        switch x.dtype {
        case .float32: return try pool(Float.self, x, geometry, planes: planes, shape: outShape, context)
        case .float64: return try pool(Double.self, x, geometry, planes: planes, shape: outShape, context)
        case .float16, .bfloat16:
            return try runWidened(inputs, from: x.dtype, context: context) { try run($0, context: context) }
        case .int8 where isMax: return try pool(Int8.self, x, geometry, planes: planes, shape: outShape, context)
        case .uint8 where isMax: return try pool(UInt8.self, x, geometry, planes: planes, shape: outShape, context)
        default:
            throw node.error("dtype \(x.dtype.rawValue) is not supported", kind: .unsupported)
        }
    }

    /// float32 1-D and 2-D pools without indices: the vectorised C planes.
    private func poolPlanes2d(_ x: Tensor, _ plane: ConvGeometry, _ spans: PoolWindow, planes: Int, shape: [Int],
                              _ context: ExecutionContext) throws -> Tensor {
        let y = try Tensor(dtype: .float32, shape: shape)
        let job = PoolPlanes(x: UnsafePointer(x.pointer(as: Float.self)), y: y.pointer(as: Float.self))
        let (inSize, outSize) = (plane.inputSize, plane.outputSize)
        var scales: ([Float], [Float]) = ([], [])
        if case .average(let includePad) = mode {
            func reciprocal(_ s: PoolWindow.Span) -> Float { 1 / Float(includePad ? s.padded : s.hi - s.lo) }
            scales = (spans.spans[1].map(reciprocal), spans.spans[2].map(reciprocal))
        }
        let (rowScale, colScale, max) = (scales.0, scales.1, isMax)
        context.parallelFor(planes, minChunk: Swift.max(1, 16384 / Swift.max(1, outSize))) { range in
            guard var g = plane.window2d else { return }
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: strata_pool2d_scratch(&g))
            defer { scratch.deallocate() }
            strata_pool2d_prepare(&g, max ? -.infinity : 0, scratch)
            for p in range {
                let (src, dst) = (job.x + p * inSize, job.y + p * outSize)
                if max {
                    strata_maxpool2d_plane(src, &g, dst, scratch)
                } else {
                    strata_avgpool2d_plane(src, &g, rowScale, colScale, dst, scratch)
                }
            }
        }
        return y
    }

    private var isMax: Bool {
        if case .max = mode { return true }
        return false
    }

    private func pool<T: PoolScalar>(_: T.Type, _ x: Tensor, _ g: PoolWindow, planes: Int, shape: [Int],
                                     _ context: ExecutionContext) throws -> [Tensor] {
        let y = try Tensor(dtype: x.dtype, shape: shape)
        let job = PoolJob(x: UnsafePointer(x.pointer(as: T.self)), y: y.pointer(as: T.self), geometry: g)
        let work = Swift.max(1, g.outputSize)
        switch mode {
        case .max:
            let wantIndices = node.outputs.count > 1 && !node.outputs[1].isEmpty
            let indices = wantIndices ? try Tensor(dtype: .int64, shape: shape) : nil
            let indexPointer = indices.map { IndexPointer($0.pointer(as: Int64.self)) }
            let columnMajor = columnMajorIndices
            context.parallelFor(planes, minChunk: Swift.max(1, 16384 / work)) { range in
                for plane in range { job.max(plane: plane, indices: indexPointer?.pointer, columnMajor: columnMajor) }
            }
            return indices.map { [y, $0] } ?? [y]
        case .average(let includePad):
            context.parallelFor(planes, minChunk: Swift.max(1, 16384 / work)) { range in
                for plane in range { job.average(plane: plane, countIncludePad: includePad) }
            }
            return [y]
        }
    }
}

/// Element types the pools run on.
protocol PoolScalar: Comparable, Sendable {
    /// The value every window maximum starts from (below every value but NaN).
    static var poolStart: Self { get }
    /// Mean of `sum` values; only used for floating-point types.
    static func mean(_ sum: Double, count: Int) -> Self
    var asDouble: Double { get }
}

extension Float: PoolScalar {
    static var poolStart: Float { -.infinity }
    static func mean(_ sum: Double, count: Int) -> Float { Float(sum / Double(count)) }
    var asDouble: Double { Double(self) }
}

extension Double: PoolScalar {
    static var poolStart: Double { -.infinity }
    static func mean(_ sum: Double, count: Int) -> Double { sum / Double(count) }
    var asDouble: Double { self }
}

extension Int8: PoolScalar {
    static var poolStart: Int8 { .min }
    static func mean(_ sum: Double, count: Int) -> Int8 { sum.isFinite ? Int8(clamping: Int((sum / Double(count)).rounded())) : 0 }
    var asDouble: Double { Double(self) }
}

extension UInt8: PoolScalar {
    static var poolStart: UInt8 { .min }
    static func mean(_ sum: Double, count: Int) -> UInt8 { sum.isFinite ? UInt8(clamping: Int((sum / Double(count)).rounded())) : 0 }
    var asDouble: Double { Double(self) }
}

private struct PoolPlanes: @unchecked Sendable {
    let x: UnsafePointer<Float>
    let y: UnsafeMutablePointer<Float>
}

private struct IndexPointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int64>
    init(_ pointer: UnsafeMutablePointer<Int64>) { self.pointer = pointer }
}

/// One pooling call over typed buffers; each plane is independent.
private struct PoolJob<T: PoolScalar>: @unchecked Sendable {
    let x: UnsafePointer<T>
    let y: UnsafeMutablePointer<T>
    let geometry: PoolWindow

    func max(plane: Int, indices: UnsafeMutablePointer<Int64>?, columnMajor: Bool) {
        let g = geometry
        let (h, w) = (g.input[1], g.input[2])
        let src = x + plane * g.inputSize
        var out = plane * g.outputSize
        let base = Int64(plane * g.inputSize)
        for sd in g.spans[0] {
            for sh in g.spans[1] {
                for sw in g.spans[2] {
                    var best = T.poolStart
                    var at = -1
                    for kd in sd.lo..<sd.hi {
                        let id = sd.start + kd * g.dilations[0]
                        for kh in sh.lo..<sh.hi {
                            let row = (id * h + sh.start + kh * g.dilations[1]) * w + sw.start
                            for kw in sw.lo..<sw.hi {
                                let i = row + kw * g.dilations[2]
                                if src[i] > best || at < 0 {
                                    best = src[i]
                                    at = i
                                }
                            }
                        }
                    }
                    y[out] = best
                    if let indices {
                        var index = at
                        if columnMajor, at >= 0 {
                            let (dd, rest) = at.quotientAndRemainder(dividingBy: h * w)
                            let (hh, ww) = rest.quotientAndRemainder(dividingBy: w)
                            index = (ww * h + hh) * g.input[0] + dd
                        }
                        indices[out] = at < 0 ? -1 : base + Int64(index)
                    }
                    out += 1
                }
            }
        }
    }

    func average(plane: Int, countIncludePad: Bool) {
        let g = geometry
        let (h, w) = (g.input[1], g.input[2])
        let src = x + plane * g.inputSize
        var out = plane * g.outputSize
        for sd in g.spans[0] {
            for sh in g.spans[1] {
                for sw in g.spans[2] {
                    var sum = 0.0
                    for kd in sd.lo..<sd.hi {
                        let id = sd.start + kd * g.dilations[0]
                        for kh in sh.lo..<sh.hi {
                            let row = (id * h + sh.start + kh * g.dilations[1]) * w + sw.start
                            for kw in sw.lo..<sw.hi { sum += src[row + kw * g.dilations[2]].asDouble }
                        }
                    }
                    let count = countIncludePad
                        ? sd.padded * sh.padded * sw.padded
                        : (sd.hi - sd.lo) * (sh.hi - sh.lo) * (sw.hi - sw.lo)
                    y[out] = count > 0 ? T.mean(sum, count: count) : T.mean(.nan, count: 1)
                    out += 1
                }
            }
        }
    }
}

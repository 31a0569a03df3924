import CStrataKernels
import StrataCore

/// `Conv 1×1 (→ affine) (→ activation) → depthwise Conv (→ affine) (→ activation)`: the expansion
/// and depthwise layers of an inverted-residual block (MobileNetV2, EfficientNet, MnasNet; the
/// affines are the batch normalizations of a Keras file, which exporters to ONNX fold into the
/// weights), computed a band of output rows at a time where the expansion is large. Each band's
/// rows of the expansion go into a buffer that stays in the thread's L2 cache, and the band's
/// depthwise windows read them from there.
///
/// Run one after the other, the expansion wrote its whole output (MobileNetV2's first: 96 × 112 ×
/// 112, 4.8 MB) and the depthwise layer read it back from memory: the pair took 1.18 ms at one
/// thread against onnxruntime's 0.66 (0.93-1.03 in bands). Bands recompute the rows their windows
/// share with the next band (one in 2R + 1 at stride 2, two in R + 2 at stride 1), which costs less
/// than the round trip. Expansions of 1.8 MB (144 × 56 × 56) gained nothing in bands; they, and
/// smaller ones, run as the two nodes would.
///
/// Every value is the separate nodes' bits: the expansion is the same product cut by rows or
/// columns (each output is its own sum over the input channels), and the depthwise windows are the
/// same chains of products over the same rows, with the image's own padding only at its edges.
struct PointwiseDepthwise: Sendable {
    /// The depthwise Conv node.
    let depthwise: Int
    /// The activation applied to the depthwise Conv's output; nil when none follows it.
    let activation: FusedActivation?
    /// The per-channel affine applied to the depthwise Conv's output before `activation`.
    var affine: ChannelAffine? = nil

    /// Expansions of this many values (2 MB) and more go in bands of rows.
    static let minimumHiddenFloats = 1 << 19
    /// The expansion values a band aims at per thread: 1 MB, an L2 cache (MobileNetV2's first pair
    /// at two threads, ms: 0.51-0.55 with 512 KB, 0.48-0.55 with 1 MB, 0.52-0.55 with 2 MB, 0.61-0.64
    /// apart).
    static let bandFloats = 1 << 18

    /// Whether an expansion output of shape `hidden` ([N, M, H, W]) is large enough for bands.
    static func worthBands(hidden: [Int]) -> Bool { hidden.dropFirst().reduce(1, *) >= minimumHiddenFloats }

    /// The depthwise Conv's output with `affine` and `activation` applied: the pair in bands where
    /// the shapes allow it, else the two convolutions one after the other. `first` are the
    /// pointwise Conv's inputs, `second` the depthwise one's (its first, the pointwise output,
    /// unused); `firstAffine` and `firstActivation` follow the pointwise Conv. nil when the
    /// pointwise Conv cannot fuse its activation (not float32) or an affine does not fit: the nodes
    /// then run apart.
    func run(pointwise: ConvKernel, _ first: [Tensor?], affine firstAffine: ChannelAffine?, activation firstActivation: FusedActivation?,
             depthwise kernel: ConvKernel, _ second: [Tensor?], context: ExecutionContext) throws -> Tensor? {
        if let y = try banded(pointwise: pointwise, first, firstAffine, firstActivation, depthwise: kernel, second, context: context) {
            return y
        }
        guard let hidden = try pointwise.run(first, activation: firstAffine == nil ? firstActivation : nil, context: context)?.first
        else { return nil }
        if let firstAffine {
            guard firstAffine.fits(hidden) else { return nil }
            firstAffine.apply(to: hidden, activation: firstActivation, context: context)
        }
        guard let y = try kernel.run([hidden] + second.dropFirst(), activation: affine == nil ? activation : nil, context: context)?.first
        else { return nil }
        if let affine {
            guard affine.fits(y) else { return nil }
            affine.apply(to: y, activation: activation, context: context)
        }
        return y
    }

    /// The pair in bands; nil where the inputs are not those of the pattern (the separate kernels
    /// then check them and say what is wrong) or the expansion is small enough to stay in the cache
    /// between the two nodes.
    ///
    /// Only with Strata's own GEMM (`BlockedGemm.native`), whose every output is the same sum
    /// however the product is cut. OpenBLAS, which the other tiers use, has kernels for small
    /// products that sum in another order: rows 96-199 of a 200 × 40 × 196 product (its row split
    /// among two threads) gave other bits than the whole product.
    private func banded(pointwise: ConvKernel, _ first: [Tensor?], _ firstAffine: ChannelAffine?, _ firstActivation: FusedActivation?,
                        depthwise kernel: ConvKernel, _ second: [Tensor?], context: ExecutionContext) throws -> Tensor? {
        guard BlockedGemm.native, first.count >= 2, second.count >= 2, let x = first[0], let w1 = first[1], let w2 = second[1],
              x.rank == 4, w1.rank == 4, w2.rank == 4 else { return nil }
        let b1 = first.count > 2 ? first[2] : nil, b2 = second.count > 2 ? second[2] : nil
        let tensors = [x, w1, w2] + [b1, b2].compactMap { $0 }
        guard tensors.allSatisfy({ $0.dtype == .float32 }) else { return nil }
        let (batch, channels, maps) = (x.shape[0], x.shape[1], w1.shape[0])
        let hiddenShape = [batch, maps, x.shape[2], x.shape[3]]
        guard pointwise.group == 1, w1.shape == [maps, channels, 1, 1], kernel.group == maps, w2.shape[0] == maps,
              w2.shape[1] == 1, b1.map({ $0.count == maps }) ?? true, b2.map({ $0.count == maps }) ?? true,
              firstAffine.map({ $0.scale.count == maps }) ?? true, affine.map({ $0.scale.count == maps }) ?? true,
              try pointwise.geometry(input: x.shape, weight: w1.shape).isPointwise,
              case let geometry = try kernel.geometry(input: hiddenShape, weight: w2.shape),
              let window = geometry.window2d, geometry.outputSize > 0, batch > 0, channels > 0 else { return nil }
        guard Self.worthBands(hidden: hiddenShape), case let bands = Bands(window: window, maps: maps, threads: context.threads),
              bands.coverInput else { return nil }
        let y = try Tensor(dtype: .float32, shape: [batch, maps] + geometry.output)
        let job = PointwiseDepthwiseJob(
            x: UnsafePointer(x.pointer(as: Float.self)), w1: UnsafePointer(w1.pointer(as: Float.self)),
            b1: b1.map { UnsafePointer($0.pointer(as: Float.self)) }, w2: UnsafePointer(w2.pointer(as: Float.self)),
            b2: b2.map { UnsafePointer($0.pointer(as: Float.self)) }, y: y.pointer(as: Float.self),
            channels: channels, maps: maps, window: window, bands: bands,
            firstAffine: firstAffine, first: firstActivation, secondAffine: affine, second: activation)
        context.parallelFor(batch * bands.count) { range in job.run(range) }
        return y
    }
}

/// How the output rows of one image are cut into bands, and the input rows each band reads.
private struct Bands: Sendable {
    let window: strata_window2d
    let count: Int
    /// Input rows one output row's window spans.
    private let reach: Int

    /// As many bands as the cache budget asks for, rounded up to a multiple of the threads so
    /// that each thread gets as many rows of an image (bands of 5 rows left one thread 30 of
    /// MobileNetV2's 56 and the other 26).
    init(window: strata_window2d, maps: Int, threads: Int) {
        self.window = window
        let outH = Int(window.out_h), stride = Int(window.stride_h)
        let reach = Int(window.dilation_h) * (Int(window.kernel_h) - 1) + 1
        self.reach = reach
        let inputRows = Swift.max(1, PointwiseDepthwise.bandFloats / Swift.max(1, maps * Int(window.in_w)))
        let rows = Swift.max(1, (inputRows - reach) / stride + 1)
        let wanted = (outH + rows - 1) / rows, threads = Swift.max(1, threads)
        count = Swift.min(outH, (wanted + threads - 1) / threads * threads)
    }

    /// Output rows of band `b`: the rows shared as evenly as they go.
    func outputRows(_ b: Int) -> Range<Int> {
        let outH = Int(window.out_h)
        return b * outH / count ..< (b + 1) * outH / count
    }

    /// The input rows band `b` reads (those inside the image), and its window over them: the same
    /// window, with the padding above that falls on this band and only these rows below.
    func input(_ b: Int) -> (rows: Range<Int>, window: strata_window2d) {
        let out = outputRows(b), stride = Int(window.stride_h), pad = Int(window.pad_top)
        let low = stride * out.lowerBound - pad, high = stride * (out.upperBound - 1) - pad + reach
        let rows = Swift.max(0, low) ..< Swift.min(Int(window.in_h), high)
        var band = window
        band.in_h = Int32(Swift.max(0, rows.count))
        band.out_h = Int32(out.count)
        band.pad_top = Int32(rows.lowerBound - low)
        return (rows, band)
    }

    /// Whether every band reads at least one input row (a window mostly over padding may not).
    var coverInput: Bool { (0..<count).allSatisfy { input($0).rows.count > 0 } }

    /// The most input rows a band reads.
    var mostInputRows: Int { (0..<count).map { input($0).rows.count }.max() ?? 0 }
}

/// What the threads of `PointwiseDepthwise` share; each task writes its own band's output rows.
private struct PointwiseDepthwiseJob: @unchecked Sendable {
    let x: UnsafePointer<Float>
    let w1: UnsafePointer<Float>
    let b1: UnsafePointer<Float>?
    let w2: UnsafePointer<Float>
    let b2: UnsafePointer<Float>?
    let y: UnsafeMutablePointer<Float>
    let channels, maps: Int
    let window: strata_window2d
    let bands: Bands
    let firstAffine: ChannelAffine?
    let first: FusedActivation?
    let secondAffine: ChannelAffine?
    let second: FusedActivation?

    /// Tasks `range` (image × band), on one thread.
    func run(_ range: Range<Int>) {
        let width = Int(window.in_w), inSize = Int(window.in_h) * width
        let outSize = Int(window.out_h) * Int(window.out_w), taps = Int(window.kernel_h) * Int(window.kernel_w)
        let hidden = UnsafeMutablePointer<Float>.allocate(capacity: maps * bands.mostInputRows * width)
        defer { hidden.deallocate() }
        let interleaved = ConvProblem.interleaves(window)
        var scratchFloats = 0
        for b in 0..<bands.count {
            var g = bands.input(b).window
            scratchFloats = Swift.max(scratchFloats, interleaved ? strata_depthwise8_scratch(&g) : strata_depthwise_scratch(&g))
        }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchFloats)
        defer { scratch.deallocate() }
        var prepared: strata_window2d?
        let single = ExecutionContext(threads: 1)
        // With an affine, the activation comes after it, as the separate nodes apply it.
        let firstInProduct = firstAffine == nil ? first : nil, secondInWindows = secondAffine == nil ? second : nil
        let firstEpilogue = firstInProduct.map { $0.epilogue(bias: b1) } ?? FusedActivation.biasOnly(b1)
        var ep = secondInWindows?.epilogue(bias: nil) ?? strata_epilogue()  // zeroed: no bias, no activation
        var firstAffineEpilogue = first?.epilogue(bias: nil) ?? strata_epilogue()
        var secondAffineEpilogue = second?.epilogue(bias: nil) ?? strata_epilogue()
        for task in range {
            let (n, b) = task.quotientAndRemainder(dividingBy: bands.count)
            let (rows, band) = bands.input(b)
            let out = bands.outputRows(b)
            let bandSize = rows.count * width
            BlockedGemm.multiply(m: maps, n: bandSize, k: channels, a: w1, lda: channels,
                                 b: x + n * channels * inSize + rows.lowerBound * width, ldb: inSize,
                                 c: hidden, ldc: bandSize, accumulate: false, epilogue: firstEpilogue, context: single)
            if let firstAffine {
                for m in 0..<maps { firstAffine.apply(channel: m, to: hidden + m * bandSize, count: bandSize, &firstAffineEpilogue) }
            }
            var g = band
            let target = y + n * maps * outSize + out.lowerBound * Int(window.out_w)
            defer {
                if let secondAffine {
                    for m in 0..<maps {
                        secondAffine.apply(channel: m, to: target + m * outSize, count: out.count * Int(window.out_w), &secondAffineEpilogue)
                    }
                }
            }
            if interleaved {
                strata_depthwise8(hidden, bandSize, Int32(maps), w2, b2, &g, target, outSize, scratch, &ep)
                continue
            }
            // The per-plane kernels read a border the preparation zeroes once per window shape.
            if prepared.map({ !Self.same($0, band) }) ?? true {
                strata_depthwise_prepare(&g, scratch)
                prepared = band
            }
            for m in 0..<maps {
                strata_depthwise_plane(hidden + m * bandSize, w2 + m * taps, b2?[m] ?? 0, &g, target + m * outSize, scratch, &ep)
            }
        }
    }

    /// Whether two bands' windows are the same (they can differ only in these three fields).
    private static func same(_ a: strata_window2d, _ b: strata_window2d) -> Bool {
        a.in_h == b.in_h && a.out_h == b.out_h && a.pad_top == b.pad_top
    }
}

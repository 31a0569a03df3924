import CStrataKernels
import StrataCore

/// Convolutions whose windows mostly fall into padding, computed tap by tap over only the outputs
/// where each tap reads the input. DeepLabV3's atrous convolutions (3×3, dilations 12, 24 and 36 over
/// 960 channels of a 16 × 16 map) unfolded nine taps of which at most two and a quarter fall inside
/// the input on average, and none but the centre at dilations 24 and 36: 12.7-14.4 ms each, where
/// onnxruntime, whose channel-blocked kernel skips the padding, took 1.7-3.9.
extension ConvProblem {
    /// The output positions along one axis where a tap at `offset` (its index times the dilation)
    /// reads inside an input of `input` values: o·stride − pad + offset ∈ [0, input).
    static func liveRange(output: Int, input: Int, stride: Int, pad: Int, offset: Int) -> Range<Int> {
        let shift = offset - pad
        let low = shift >= 0 ? 0 : (-shift + stride - 1) / stride
        let high = input - shift <= 0 ? 0 : Swift.min(output, (input - 1 - shift) / stride + 1)
        return low..<Swift.max(low, high)
    }

    /// The rows and columns of the output each tap of `g` reads the input for, tap by tap.
    static func liveTaps(_ g: strata_window2d) -> [(rows: Range<Int>, columns: Range<Int>)] {
        (0..<Int(g.kernel_h)).flatMap { kh in
            let rows = liveRange(output: Int(g.out_h), input: Int(g.in_h), stride: Int(g.stride_h), pad: Int(g.pad_top),
                                 offset: kh * Int(g.dilation_h))
            return (0..<Int(g.kernel_w)).map { kw in
                (rows, liveRange(output: Int(g.out_w), input: Int(g.in_w), stride: Int(g.stride_w), pad: Int(g.pad_left),
                                 offset: kw * Int(g.dilation_w)))
            }
        }
    }

    /// Whether at least half of the unfolded input would be padding: then `runByTaps` does at most
    /// half of the multiply-adds.
    static func skipsPadding(_ g: strata_window2d) -> Bool {
        let taps = Int(g.kernel_h) * Int(g.kernel_w), pixels = Int(g.out_h) * Int(g.out_w)
        guard taps > 1, pixels > 0 else { return false }
        let live = liveTaps(g).reduce(0) { $0 + $1.rows.count * $1.columns.count }
        return 2 * live <= taps * pixels
    }

    /// Whether an ungrouped 2-D window over `channels` runs tap by tap: where at least half of its
    /// unfolding would be padding (`skipsPadding`), or where one output row's unfolding passes
    /// `bandFloats` and neither Winograd path takes the window. im2col then unfolds a band of one
    /// or two output rows at a time and reads the whole weight again for each: DeepLabV3-ResNet50's
    /// ASPP 3×3 at dilation 12 (2048 → 256 channels on a 32 × 32 map, 590k values a row) took 171 ms
    /// so, against 67 in onnxruntime; tap by tap each tap's weight is read once.
    static func runsByTaps(_ g: strata_window2d, channels: Int, maps: Int, geometry: ConvGeometry) -> Bool {
        if skipsPadding(g) { return true }
        let taps = Int(g.kernel_h) * Int(g.kernel_w)
        guard taps > 1, Double(channels) * Double(taps) * Double(g.out_w) > Double(bandFloats) else { return false }
        return !WinogradConv.applies(channels: channels, maps: maps, group: 1, kernel: geometry.kernel, strides: geometry.strides,
                                     dilations: geometry.dilations, output: geometry.output)
            && AtrousCanvas(geometry, channels: channels, maps: maps, group: 1) == nil
    }

    /// `y` as the sum over taps of `W_tap · X_tap`, each over the output rectangle where the tap reads
    /// the input: `weights` is the weight in tap-major order ([taps][M][C], `TapMajorWeight`). A tap
    /// whose rectangle spans whole output rows adds its product straight into `y`; others go through a
    /// scratch product added in. The bias and activation follow the last tap. Ungrouped 2-D
    /// windows only.
    func runByTaps(_ weights: UnsafePointer<Float>, _ context: ExecutionContext) {
        guard let g = geometry.window2d, group == 1 else { return }
        let outSize = geometry.outputSize, inSize = geometry.inputSize
        let (inWidth, outWidth) = (Int(g.in_w), Int(g.out_w))
        let live = Self.liveTaps(g)
        let largest = live.map { $0.rows.count * $0.columns.count }.max() ?? 0
        let gathered = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, channels * largest))
        let product = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, maps * largest))
        defer {
            gathered.deallocate()
            product.deallocate()
        }
        let (xs, ps) = (ScratchPointer(gathered), ScratchPointer(product))
        for n in 0..<batch {
            let job = TapJob(source: x + n * channels * inSize, epilogue: epilogue(group: 0))
            let target = ScratchPointer(y + n * maps * outSize)
            target.pointer.initialize(repeating: 0, count: maps * outSize)
            for (tap, area) in live.enumerated() where !area.rows.isEmpty && !area.columns.isEmpty {
                let (kh, kw) = tap.quotientAndRemainder(dividingBy: Int(g.kernel_w))
                let (rows, columns) = area
                let pixels = rows.count * columns.count
                // The tap's input values over its rectangle, channel by channel: all inside the input.
                context.parallelFor(channels, minChunk: Swift.max(1, 16384 / pixels)) { range in
                    for c in range {
                        var to = xs.pointer + c * pixels
                        for row in rows {
                            let ih = row * Int(g.stride_h) - Int(g.pad_top) + kh * Int(g.dilation_h)
                            let from = job.source + c * inSize + ih * inWidth - Int(g.pad_left) + kw * Int(g.dilation_w)
                            if g.stride_w == 1 {
                                to.update(from: from + columns.lowerBound, count: columns.count)
                            } else {
                                for (i, column) in columns.enumerated() { to[i] = from[column * Int(g.stride_w)] }
                            }
                            to += columns.count
                        }
                    }
                }
                let a = weights + tap * maps * channels
                if columns.count == outWidth {
                    BlockedGemm.multiply(m: maps, n: pixels, k: channels, a: a, lda: channels, b: xs.pointer, ldb: pixels,
                                         c: target.pointer + rows.lowerBound * outWidth, ldc: outSize, accumulate: true,
                                         context: context)
                    continue
                }
                BlockedGemm.multiply(m: maps, n: pixels, k: channels, a: a, lda: channels, b: xs.pointer, ldb: pixels,
                                     c: ps.pointer, ldc: pixels, accumulate: false, context: context)
                context.parallelFor(maps, minChunk: Swift.max(1, 16384 / pixels)) { range in
                    for m in range {
                        var from = ps.pointer + m * pixels
                        for row in rows {
                            let to = target.pointer + m * outSize + row * outWidth + columns.lowerBound
                            for i in 0..<columns.count { to[i] += from[i] }
                            from += columns.count
                        }
                    }
                }
            }
            if job.epilogue != nil {
                context.parallelFor(maps, minChunk: Swift.max(1, 16384 / Swift.max(1, outSize))) { range in
                    guard var ep = job.epilogue else { return }
                    for m in range {
                        let row = target.pointer + m * outSize
                        strata_epilogue_apply(row, row, outSize, ep.bias.map { $0 + m }, &ep)
                    }
                }
            }
        }
    }
}

/// One image's input and the epilogue, handed to the threads of `ConvProblem.runByTaps`.
private struct TapJob: @unchecked Sendable {
    let source: UnsafePointer<Float>
    let epilogue: strata_epilogue?
}

import StrataCore
import CStrataKernels

/// ONNX `Conv` on float32, 1-D to N-D, with groups, dilations, strides, padding and optional bias.
///
/// Five paths: one input channel per group (depthwise, incl. channel multipliers) runs a direct
/// vectorised loop per output plane; so does a window over at most four input channels (a first
/// layer on an image, `runDirect`); a pointwise window (1×…×1, stride 1, no padding) is one GEMM per
/// image and group on the input as it is; a 3×3 stride-1 window over enough channels and tiles goes
/// through Winograd's F(4×4, 3×3) (`WinogradConv`), and so does a dilated one that keeps its map's
/// size, its phases laid side by side (`AtrousCanvas`); everything else unfolds the input (im2col)
/// and runs a GEMM (`BlockedGemm`).
/// float16, bfloat16 and float64 are computed in float32. The bias is added, and a fused activation
/// applied, as each output value is stored.
struct ConvKernel: ActivationFusing, WeightPacking {
    let node: Node
    let attributes: ConvAttributes
    var group: Int { attributes.group }
    /// Parsed at build time when the weight's shape is known then; otherwise on each run.
    let window: SlidingWindow?
    /// A constant weight as [maps, channels·taps], packed for `strata_sgemm_packed_at`, when the
    /// shapes known at build time send the convolution that way (`ConvProblem.turnsRound`).
    let transposedWeight: PackedGemmWeight?
    /// A constant weight in tap-major order, when the shapes known at build time put most of the
    /// window into padding, or unfold too wide a row for im2col's bands (`ConvProblem.runsByTaps`).
    let tapWeight: TapMajorWeight?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributes = try node.typed(ConvAttributes.self)
        if let w = ctx.inputTypes.count > 1 ? ctx.inputTypes[1]?.shape?.concrete : nil, w.count >= 3 {
            window = try SlidingWindow(attributes.window, node: node, rank: w.count - 2, kernel: Array(w.dropFirst(2)))
        } else {
            window = nil
        }
        // The batch size may be symbolic (a dynamic batch axis): the choice needs the channels and the map.
        let weight = ctx.constant(1)
        var placed: (channels: Int, geometry: ConvGeometry)? = nil
        if let window, let weight, weight.dtype == .float32, weight.rank >= 3,
           let dims = ctx.inputTypes.first??.shape, dims.count == weight.rank,
           case let known = dims.dropFirst().compactMap(\.value), known.count == weight.rank - 1,
           let placement = try? window.place(over: Array(known.dropFirst()), node: node) {
            placed = (known[0], ConvGeometry(input: Array(known.dropFirst()), output: placement.output, window: window,
                                             padBegin: placement.padBegin))
        }
        let name = "node '\(node.name)'"
        if let weight, let placed, attributes.group == 1, let g = placed.geometry.window2d,
           ConvProblem.runsByTaps(g, channels: placed.channels, maps: weight.shape[0], geometry: placed.geometry) {
            (tapWeight, transposedWeight) = (TapMajorWeight(weight, name: name), nil)
        } else if let weight, let placed,
                  ConvProblem.turnsRound(channels: placed.channels, maps: weight.shape[0], group: attributes.group,
                                         kernel: placed.geometry.kernel, strides: placed.geometry.strides,
                                         dilations: placed.geometry.dilations, output: placed.geometry.output) {
            transposedWeight = PackedGemmWeight(weight.reshaped([weight.shape[0], weight.count / weight.shape[0]]),
                                                transposed: true, groups: attributes.group, name: name)
            tapWeight = nil
        } else {
            (tapWeight, transposedWeight) = (nil, nil)
        }
    }

    func packWeights() throws {
        _ = try transposedWeight?.panels()
        _ = try tapWeight?.values()
    }

    /// The window placed over an input of shape `input` ([N, C, spatial…]) for a weight of shape
    /// `weight` ([M, C/group, kernel…]); throws where the window does not fit.
    func geometry(input: [Int], weight: [Int]) throws -> ConvGeometry {
        let kernel = Array(weight.dropFirst(2))
        let window = try self.window.flatMap { $0.kernel == kernel ? $0 : nil }
            ?? SlidingWindow(attributes.window, node: node, rank: input.count - 2, kernel: kernel)
        let placement = try window.place(over: Array(input.dropFirst(2)), node: node)
        return ConvGeometry(input: Array(input.dropFirst(2)), output: placement.output, window: window, padBegin: placement.padBegin)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard inputs.count >= 2, let x = inputs[0] else { throw node.error("needs inputs X and W") }
        if x.dtype == .float16 || x.dtype == .bfloat16 || x.dtype == .float64 {
            return try runWidened(inputs, from: x.dtype, context: context) { try run($0, context: context) }
        }
        return try run(inputs, activation: nil, context: context)!
    }

    func run(_ inputs: [Tensor?], activation: FusedActivation?, context: ExecutionContext) throws -> [Tensor]? {
        guard inputs.count >= 2, let x = inputs[0], let w = inputs[1] else { throw node.error("needs inputs X and W") }
        if x.dtype != .float32 { return nil }
        let bias = inputs.count > 2 ? inputs[2] : nil
        for (t, name) in [(x, "X"), (w, "W")] + (bias.map { [($0, "B")] } ?? []) where t.dtype != .float32 {
            throw node.error("\(name) has dtype \(t.dtype.rawValue); Conv runs on float32 (float16, bfloat16 and float64 through float32)", kind: .unsupported)
        }
        guard x.rank >= 3, w.rank == x.rank else {
            throw node.error("X \(x.shape) and W \(w.shape) must be [N, C, spatial…] and [M, C/group, kernel…]", kind: .invalidInput)
        }
        let rank = x.rank - 2
        let (batch, channels, maps) = (x.shape[0], x.shape[1], w.shape[0])
        guard channels == w.shape[1] * group, maps % group == 0 else {
            throw node.error("X has \(channels) channels and W is \(w.shape) with group \(group)", kind: .invalidInput)
        }
        if let bias, bias.count != maps {
            throw node.error("B has \(bias.count) values for \(maps) output channels", kind: .invalidInput)
        }
        let geometry = try self.geometry(input: x.shape, weight: w.shape)
        let y = try Tensor(dtype: .float32, shape: [batch, maps] + geometry.output)
        if y.count == 0 { return [y] }

        let problem = ConvProblem(
            x: UnsafePointer(x.pointer(as: Float.self)), weight: w,
            bias: bias.map { UnsafePointer($0.pointer(as: Float.self)) }, y: y.pointer(as: Float.self),
            batch: batch, channels: channels, maps: maps, group: group, geometry: geometry, activation: activation)
        if channels / group == 1, rank <= 2 {
            problem.runDepthwise(context)
        } else if let tapWeight, tapWeight.holds(w), group == 1, let g = geometry.window2d,
                  ConvProblem.runsByTaps(g, channels: channels, maps: maps, geometry: geometry) {
            problem.runByTaps(try tapWeight.values(), context)
        } else if let packed = transposedWeight, packed.holds(bytesOf: w), packed.n == maps, packed.groups == group,
                  packed.k == channels / group * geometry.kernelSize,
                  ConvProblem.turnsRound(channels: channels, maps: maps, group: group, kernel: geometry.kernel,
                                         strides: geometry.strides, dilations: geometry.dilations, output: geometry.output),
                  let panels = try packed.panels() {
            if group > 1 {
                problem.runGrouped(context, packed: (panels, packed.groupFloats))
            } else {
                problem.runTransposed(panels, context)
            }
        } else if group > 1 {
            problem.runGrouped(context)
        } else if let g = geometry.window2d, ConvProblem.runsDirect(g, channels: channels, maps: maps) {
            problem.runDirect(context)
        } else if geometry.isPointwise {
            problem.runPointwise(context)
        } else if WinogradConv.applies(channels: channels, maps: maps, group: group, kernel: geometry.kernel,
                                                strides: geometry.strides, dilations: geometry.dilations, output: geometry.output),
                  let window = geometry.window2d {
            WinogradConv(x: problem.x, w: problem.w, bias: problem.bias, y: problem.y, batch: batch, channels: channels,
                         maps: maps, window: window, activation: activation).run(context)
        } else if let canvas = AtrousCanvas(geometry, channels: channels, maps: maps, group: group) {
            try canvas.run(problem, context)
        } else {
            problem.runUnfolded(context)
        }
        return [y]
    }
}

/// One Conv call's pointers and sizes.
struct ConvProblem: @unchecked Sendable {
    let x: UnsafePointer<Float>
    /// Read through `w` only by the paths that use it: `runTransposed` reads its packed copy, and a
    /// weight's deferred copy (`TensorStorage`) is then never made.
    let weight: Tensor
    var w: UnsafePointer<Float> { UnsafePointer(weight.pointer(as: Float.self)) }
    let bias: UnsafePointer<Float>?
    let y: UnsafeMutablePointer<Float>
    let batch, channels, maps, group: Int
    let geometry: ConvGeometry
    let activation: FusedActivation?

    var groupChannels: Int { channels / group }
    var groupMaps: Int { maps / group }

    /// Output widths up to this go through the channel-interleaved kernel (`strata_depthwise8`);
    /// wider planes amortise the per-plane kernel's set-up and keep its vectors full.
    static let interleavedWidthLimit = 28
    /// With a stride of 2 or more, up to this: the per-plane kernel then gathers every other input
    /// value into its vectors, and the interleaved one was faster up to 56 wide (MobileNetV2's
    /// 112 → 56 layer 0.42 → 0.38 ms, EfficientNet-B0's 5×5 ones alike).
    static let interleavedStridedWidthLimit = 56

    /// Whether `window` goes through `strata_depthwise8`. Stride-1 3×3 and 5×5 windows on outputs at
    /// least 16 wide and stride-2 3×3 ones at least 32 wide go through the per-plane kernel, which
    /// computes those four output rows at a time. Measured in a C harness, one thread, since the
    /// interleaved kernel sets up once per call (interleaved / per plane, ms): 384 × 14 × 14 3×3
    /// 0.050 / 0.067, 256 × 16 × 16 3×3 0.048 / 0.032, 192 × 28 × 28 3×3 0.115 / 0.072, 672 × 14 × 14
    /// 5×5 0.180 / 0.282, 256 × 16 × 16 5×5 0.077 / 0.066; stride 2: 144 × 56 × 56 3×3 0.140 / 0.157,
    /// 256 × 64 × 64 3×3 0.353 / 0.250, 96 × 112 × 112 3×3 0.368 / 0.316. The per-plane kernel loses
    /// where its last vector of a row is ragged (14, 15, 30 wide) and everywhere on 7 × 7 and in 5×5
    /// stride-2 windows. The AVX-512 tier's per-plane kernel (`depthwise512.c`, 16 lanes) is faster on
    /// these windows from 14 wide (interleaved / per plane, ms: 672 × 14 × 14 5×5 0.208 / 0.183,
    /// 576 × 14 × 14 3×3 0.116 / 0.100, 144 × 56 × 56 5×5 stride 2 0.233 / 0.193, 240 × 28 × 28 3×3
    /// stride 2 0.074 / 0.068); narrower, the interleaved one mostly wins (672 × 12 × 12 5×5 0.132 /
    /// 0.146, 10-wide stride-2 3×3 outputs 0.038 / 0.046, 7 × 7 ones by 1.5×). Since that tier's
    /// interleaved kernel has sixteen lanes (`strata_depthwise8_avx512`) it ties on 14-wide stride-1
    /// outputs (576 × 14 × 14 3×3 0.061 / 0.059, 672 × 14 × 14 5×5 0.123 / 0.127) and wins on 14-wide
    /// 5×5 stride-2 ones (240 × 28 × 28 0.059 / 0.063). Since the per-plane kernel permutes stride-2
    /// taps out of whole input rows instead of splitting the input into phase planes, it wins on
    /// 3×3 stride-2 outputs from 13 wide (192 × 28 × 28 0.032 / 0.027, 192 × 26 × 26 0.029 / 0.026,
    /// 144 × 56 × 56 0.098 / 0.054; 192 × 24 × 24 0.023 / 0.024, 576 × 14 × 14 0.027 / 0.051).
    static func interleaves(_ window: strata_window2d) -> Bool {
        if window.dilation_h == 1, window.dilation_w == 1, window.stride_h == window.stride_w,
           window.kernel_h == window.kernel_w {
            if KernelTier.active == .avx512, window.stride_w <= 2, window.kernel_w == 3 || window.kernel_w == 5 {
                switch (window.stride_w, window.kernel_w) {
                case (2, 3): return window.out_w < 13
                case (2, 5): return window.out_w <= 14
                default: return window.out_w < 14
                }
            }
            switch (window.stride_w, window.kernel_w) {
            case (1, 3) where window.out_w >= 16, (1, 5) where window.out_w >= 16, (2, 3) where window.out_w >= 32:
                return false
            default:
                break
            }
        }
        return window.out_w <= interleavedWidthLimit || (window.stride_w >= 2 && window.out_w <= interleavedStridedWidthLimit)
    }

    func runDepthwise(_ context: ExecutionContext) {
        let inSize = geometry.inputSize, outSize = geometry.outputSize, taps = geometry.kernelSize
        let multiplier = groupMaps
        guard let window = geometry.window2d else { return }
        if multiplier == 1, Self.interleaves(window) {
            let blocksPerImage = (maps + 7) / 8
            context.parallelFor(batch * blocksPerImage) { range in
                var g = window
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: strata_depthwise8_scratch(&g))
                defer { scratch.deallocate() }
                var ep = activation?.epilogue(bias: nil) ?? strata_epilogue()
                // One call per image for this task's blocks of eight channels: the kernel's set-up
                // (the border, its pixel tables) is then paid once, not per block.
                Self.forEachImage(in: range, itemsPerImage: blocksPerImage) { n, blocks in
                    let first = blocks.lowerBound * 8, count = Swift.min(maps, blocks.upperBound * 8) - first
                    strata_depthwise8(x + (n * channels + first) * inSize, inSize, Int32(count), w + first * taps,
                                      bias.map { $0 + first }, &g, y + (n * maps + first) * outSize, outSize, scratch, &ep)
                }
            }
            return
        }
        let planes = batch * maps
        context.parallelFor(planes, minChunk: 4) { range in
            var g = window
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: strata_depthwise_scratch(&g))
            defer { scratch.deallocate() }
            strata_depthwise_prepare(&g, scratch)
            var ep = activation?.epilogue(bias: nil) ?? strata_epilogue()
            for plane in range {
                let (n, m) = plane.quotientAndRemainder(dividingBy: maps)
                let source = x + (n * channels + m / multiplier) * inSize
                strata_depthwise_plane(source, w + m * taps, bias?[m] ?? 0, &g, y + plane * outSize, scratch, &ep)
            }
        }
    }

    /// `range` of a loop over `itemsPerImage` items of each image, one image after the other, cut at
    /// the images' edges: `body(n, items)` for each image n it touches, with its items there.
    static func forEachImage(in range: Range<Int>, itemsPerImage: Int, _ body: (Int, Range<Int>) -> Void) {
        var item = range.lowerBound
        while item < range.upperBound {
            let (n, first) = item.quotientAndRemainder(dividingBy: itemsPerImage)
            let end = Swift.min(range.upperBound, (n + 1) * itemsPerImage)
            body(n, first..<first + end - item)
            item = end
        }
    }

    /// The bias of group `g`'s output channels and the activation, applied as the GEMM stores.
    func epilogue(group g: Int) -> strata_epilogue? {
        let groupBias = bias.map { $0 + g * groupMaps }
        return activation.map { $0.epilogue(bias: groupBias) } ?? FusedActivation.biasOnly(groupBias)
    }

    func runPointwise(_ context: ExecutionContext) {
        let size = geometry.outputSize
        for n in 0..<batch {
            for g in 0..<group {
                BlockedGemm.multiply(m: groupMaps, n: size, k: groupChannels,
                                  a: w + g * groupMaps * groupChannels, lda: groupChannels,
                                  b: x + (n * channels + g * groupChannels) * size, ldb: size,
                                  c: y + (n * maps + g * groupMaps) * size, ldc: size, accumulate: false,
                                  epilogue: epilogue(group: g), context: context)
            }
        }
    }

    /// Whether an ungrouped convolution with `maps` output channels, summing `depth` values per
    /// output (input channels × taps) over `pixels` output values per channel, goes through
    /// `strata_sgemm_packed_at`: the pixels as the rows of the product and the channels as its
    /// columns, so that a 7 × 7 map's 49 pixels fill rows of 12 instead of wasting 15 of 64 lanes,
    /// and the weights are read from panels packed once instead of as twelve rows 4-18 KB apart.
    /// On maps of up to 256 pixels it wins wherever the per-call GEMM's last panel would waste a larger
    /// share of its columns (196 pixels are six panels and 4 columns computed as a 16-column half)
    /// than its own last panel wastes of the channels, over sums at least 64 deep. C harness, ms,
    /// maps × depth × pixels, per-call GEMM / this (its output turned round in registers): MobileNetV2's
    /// 64 × 384 × 196 0.091 / 0.085 and 96 × 576 × 196 0.204 / 0.189, 384 × 64 × 196 0.095 / 0.094,
    /// 64 × 192 × 196 0.046 / 0.043, 512 × 512 × 196 0.963 / 0.903, 1024 × 512 × 196 1.95 / 1.86, 256 ×
    /// 1024 × 196 1.10 / 0.90, 256 × 64 × 100 0.034 / 0.032; even where no column is wasted (64 × 384
    /// × 144 0.063 / 0.062, 128 × 384 × 256 0.220 / 0.221); but 36 × 520 × 98 (36 channels are a panel
    /// and 4 in a half) 0.038 / 0.043, 40 × 480 × 196 0.072 / 0.079, 192 × 32 × 196 0.028 / 0.030, and
    /// on larger maps 256 × 64 × 3136 1.21 / 1.42.
    /// Winograd's shapes keep Winograd. The same test decides when the kernel is built (to pack the
    /// weight) and when it runs (on the shapes it is given).
    ///
    /// Grouped convolutions turn round group by group (`runGrouped`) where each group has at least
    /// 16 output channels (a panel, or the half of one that the kernel computes without the other
    /// half's multiply-adds) and its map is at most `groupedTurnPixels`.
    static func turnsRound(channels: Int, maps: Int, group: Int = 1, kernel: [Int], strides: [Int], dilations: [Int],
                           output: [Int]) -> Bool {
        if group > 1 {
            let taps = kernel.reduce(1, *), pixels = output.reduce(1, *)
            guard strata_sgemm_packed_supported() != 0, channels % group == 0, maps % group == 0, channels / group > 1,
                  maps / group >= 16, taps > 0, pixels > 0, channels / group <= Int(Int32.max) / taps,
                  maps <= Int(Int32.max) else { return false }
            return pixels <= Self.groupedTurnPixels
        }
        let depth = channels * kernel.reduce(1, *), pixels = output.reduce(1, *)
        guard strata_sgemm_packed_supported() != 0, maps >= 32, depth > 0, pixels > 0,
              maps <= Int(Int32.max), depth <= Int(Int32.max),
              pixels <= 64 || (pixels <= 256 && depth >= 64 && Self.wastedShare(maps) < Self.wastedShare(pixels))
        else { return false }
        return !WinogradConv.applies(channels: channels, maps: maps, group: 1, kernel: kernel, strides: strides,
                                     dilations: dilations, output: output)
    }

    /// Columns a product computes past `columns` in its last panel: panels of 32, a last one of at
    /// most 16 columns computed as a 16-column half (the per-call GEMM's pixels, the transposed
    /// product's channels).
    static func lastPanelWaste(_ columns: Int) -> Int {
        let rest = columns % 32
        return rest == 0 ? 0 : (rest <= 16 ? 16 : 32) - rest
    }

    /// The share of the columns computed that `lastPanelWaste` throws away.
    static func wastedShare(_ columns: Int) -> Double {
        let waste = lastPanelWaste(columns)
        return Double(waste) / Double(columns + waste)
    }

    /// The product through `strata_sgemm_packed_at` (see `turnsRound`): the input (or its
    /// whole unfolding) as A stored by columns, the packed weight as B, the output stored channel
    /// by channel. The same bits as `runPointwise` and `runUnfolded`.
    func runTransposed(_ packed: UnsafePointer<Float>, _ context: ExecutionContext) {
        let size = geometry.outputSize, inSize = geometry.inputSize
        let depth = channels * geometry.kernelSize
        let pointwise = geometry.isPointwise
        let col = pointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: depth * size)
        defer { col?.deallocate() }
        let panels = (maps + 31) / 32
        let perPanel = size * depth * 32
        for n in 0..<batch {
            let a: UnsafePointer<Float>
            if let col {
                let scratch = ScratchPointer(col)
                context.parallelFor(depth, minChunk: max(1, 16384 / size)) { range in
                    geometry.im2col(x + n * channels * inSize, rows: range, band: 0..<geometry.outputRows, into: scratch.pointer)
                }
                a = UnsafePointer(col)
            } else {
                a = x + n * channels * inSize
            }
            let job = TransposedJob(a: a, b: packed, y: y + n * maps * size, epilogue: epilogue(group: 0))
            let grid: BlockedGemm.Tiles, minChunk: Int
            if BlockedGemm.splitsTransposedRows(rows: size, columns: maps, threads: context.threads) {
                grid = BlockedGemm.Tiles(rows: size)
                minChunk = max(1, (1 << 20) / max(1, BlockedGemm.Tiles.rowUnit * depth * maps))
            } else {
                let (split, rowsPerPart) = BlockedGemm.transposedRowParts(rows: size, panels: panels, threads: context.threads)
                grid = BlockedGemm.Tiles(panels: panels, blocks: split, rowsPerBlock: rowsPerPart)
                minChunk = max(1, (1 << 20) / max(1, perPanel / split))
            }
            context.parallelFor(grid.count, minChunk: minChunk) { range in
                let rows = grid.byColumns ? grid.rowsPerBlock : range.count * BlockedGemm.Tiles.rowUnit
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.min(size, rows) * 32)
                defer { scratch.deallocate() }
                var epilogue = job.epilogue ?? strata_epilogue()  // zeroed: no bias, no activation
                for tile in grid.tiles(range, m: size, n: maps) {
                    let first = tile.rows.lowerBound
                    strata_sgemm_packed_at(Int32(tile.rows.count), Int32(depth), job.a + first, Int32(size), job.b, Int32(maps),
                                           Int32(tile.columns.lowerBound / 32), Int32((tile.columns.upperBound + 31) / 32),
                                           job.y + first, Int32(size), scratch, &epilogue)
                }
            }
        }
    }

    /// Unfolds and multiplies a band of output rows at a time, so that the unfolded input stays
    /// about `bandFloats` values (1 MB) per thread: a whole unfolded 3×3 input at 56×56×64 would be
    /// 7 MB, as much as the largest activations, and would leave the cache before the product reads it.
    func runUnfolded(_ context: ExecutionContext) {
        let outSize = geometry.outputSize, inSize = geometry.inputSize
        let rows = groupChannels * geometry.kernelSize
        let width = geometry.outputRowWidth, outputRows = geometry.outputRows
        if group == 1, context.threads > 1, outputRows >= 4 * context.threads, BlockedGemm.native {
            runUnfoldedByRows(context)
            return
        }
        let target = Self.bandFloats * Swift.max(1, context.threads)
        let bandRows = Swift.min(outputRows, Swift.max(1, target / Swift.max(1, rows * width)))
        let col = UnsafeMutablePointer<Float>.allocate(capacity: rows * bandRows * width)
        defer { col.deallocate() }
        let scratch = ScratchPointer(col)
        for n in 0..<batch {
            for g in 0..<group {
                let offset = (n * channels + g * groupChannels) * inSize
                for first in stride(from: 0, to: outputRows, by: bandRows) {
                    let band = first..<Swift.min(first + bandRows, outputRows)
                    let columns = band.count * width
                    context.parallelFor(rows, minChunk: max(1, 16384 / max(1, columns))) { range in
                        geometry.im2col(x + offset, rows: range, band: band, into: scratch.pointer)
                    }
                    BlockedGemm.multiply(m: groupMaps, n: columns, k: rows, a: w + g * groupMaps * rows, lda: rows,
                                      b: col, ldb: columns, c: y + (n * maps + g * groupMaps) * outSize + first * width, ldc: outSize,
                                      accumulate: false, epilogue: epilogue(group: g), context: context)
                }
            }
        }
    }

    /// `runUnfolded` with the output rows shared among the threads: each unfolds and multiplies its
    /// own rows, in bands of `bandFloats`, so that the unfolded values a thread multiplies are the
    /// ones it wrote, and the output pixels it writes are those the layers around it (products split
    /// by columns) compute on the same thread. Unfolded by rows of the unfolding (channels) and
    /// multiplied by columns, half of each band came from the other core's cache: ResNet-50's
    /// 3×3 stride-2 layer at 28 × 28 took 1.76 times as long at two threads when the threads shared
    /// no L3 cache (Docs/Benchmarks.md, "Two threads on a virtual machine"). Each output is the same
    /// sum as there: one product over all the unfolded rows, whatever its columns. Only with
    /// Strata's own GEMM (`BlockedGemm.native`): OpenBLAS, which the other tiers use, sums some
    /// columns in another order depending on how many the call has, so the bits would depend on the
    /// thread count (seen: a Conv with its Clip fused and apart gave other bits at two threads when
    /// one of the runs cut the rows differently).
    func runUnfoldedByRows(_ context: ExecutionContext) {
        let outSize = geometry.outputSize, inSize = geometry.inputSize
        let rows = channels * geometry.kernelSize
        let width = geometry.outputRowWidth, outputRows = geometry.outputRows
        let bandRows = Swift.min(outputRows, Swift.max(1, Self.bandFloats / Swift.max(1, rows * width)))
        let single = ExecutionContext(threads: 1)
        // One loop over every image's rows, as the direct convolution's (`forEachImage`).
        context.parallelFor(batch * outputRows, minChunk: Swift.max(1, Swift.min(bandRows, outputRows / context.threads))) { range in
            let col = UnsafeMutablePointer<Float>.allocate(capacity: rows * Swift.min(bandRows, range.count) * width)
            defer { col.deallocate() }
            Self.forEachImage(in: range, itemsPerImage: outputRows) { n, imageRows in
                let input = x + n * channels * inSize, output = y + n * maps * outSize
                for first in stride(from: imageRows.lowerBound, to: imageRows.upperBound, by: bandRows) {
                    let band = first..<Swift.min(first + bandRows, imageRows.upperBound)
                    let columns = band.count * width
                    geometry.im2col(input, rows: 0..<rows, band: band, into: col)
                    BlockedGemm.multiply(m: maps, n: columns, k: rows, a: w, lda: rows, b: col, ldb: columns,
                                         c: output + first * width, ldc: outSize, accumulate: false,
                                         epilogue: epilogue(group: 0), context: single)
                }
            }
        }
    }

    /// Groups of several channels (ResNeXt's 32 groups of 4-32, RegNet's of 8): each group's product
    /// is small (4 × 36 × 3136 in ResNeXt-50's first stage), so threading each one alone woke the
    /// workers twice per group and left them waiting, and two threads took 2-6 times as long as one
    /// (`Tools/bench`, `resnext50_32x4d`: 61.9 ms at 2 threads, 97.3 at 1, onnxruntime 42.8).
    /// Here whole groups, cut into bands of output rows where a group's unfolding passes `bandFloats`,
    /// are shared among the threads in one loop, and each is unfolded and multiplied on its thread.
    /// Each output value is the same sum as in `runUnfolded` or `runPointwise` (one product over all
    /// of a group's `rows`), whichever thread computes it.
    /// With `packed` (each group's weight packed apart, `turnsRound`), each group's whole map is
    /// multiplied through `strata_sgemm_packed_at`, its pixels as the rows.
    func runGrouped(_ context: ExecutionContext, packed: (panels: UnsafePointer<Float>, groupFloats: Int)? = nil) {
        let outSize = geometry.outputSize, inSize = geometry.inputSize
        let rows = groupChannels * geometry.kernelSize
        let width = geometry.outputRowWidth, outputRows = geometry.outputRows
        let pointwise = geometry.isPointwise
        let bandRows = pointwise || packed != nil ? outputRows
            : Swift.min(outputRows, Swift.max(1, Self.bandFloats / Swift.max(1, rows * width)))
        let bands = (outputRows + bandRows - 1) / bandRows
        let work = Double(groupMaps) * Double(rows) * Double(bandRows * width)
        let single = ExecutionContext(threads: 1)
        let job = packed.map { GroupedPanels(panels: $0.panels, groupFloats: $0.groupFloats) }
        context.parallelFor(batch * group * bands, minChunk: Swift.max(1, Int(Double(ExecutionContext.gemmWorkPerThread) / Swift.max(1, work)))) { range in
            let col = pointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: rows * bandRows * width)
            defer { col?.deallocate() }
            let rowScratch = job == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: outSize * 32)
            defer { rowScratch?.deallocate() }
            for task in range {
                let (image, rest) = task.quotientAndRemainder(dividingBy: group * bands)
                let (g, b) = rest.quotientAndRemainder(dividingBy: bands)
                let band = b * bandRows..<Swift.min((b + 1) * bandRows, outputRows)
                let columns = band.count * width
                let source = x + (image * channels + g * groupChannels) * inSize
                let operand: UnsafePointer<Float>, stride: Int
                if let col {
                    geometry.im2col(source, rows: 0..<rows, band: band, into: col)
                    (operand, stride) = (UnsafePointer(col), columns)
                } else {
                    (operand, stride) = (source + band.lowerBound * width, outSize)
                }
                if let job, let rowScratch {
                    var ep = epilogue(group: g) ?? strata_epilogue()  // zeroed: no bias, no activation
                    strata_sgemm_packed_at(Int32(outSize), Int32(rows), operand, Int32(outSize), job.panels + g * job.groupFloats,
                                           Int32(groupMaps), 0, Int32((groupMaps + 31) / 32),
                                           y + (image * maps + g * groupMaps) * outSize, Int32(outSize), rowScratch, &ep)
                    continue
                }
                BlockedGemm.multiply(m: groupMaps, n: columns, k: rows, a: w + g * groupMaps * rows, lda: rows,
                                     b: operand, ldb: stride,
                                     c: y + (image * maps + g * groupMaps) * outSize + band.lowerBound * width, ldc: outSize,
                                     accumulate: false, epilogue: epilogue(group: g), context: single)
            }
        }
    }

    /// Grouped convolutions turn round (`turnsRound`) up to this many output pixels: on 7 × 7 maps
    /// they gained (ResNeXt-50's 32 groups of 32 channels 0.65 → 0.58 ms, 32 groups of 64 2.0 → 1.6),
    /// on 14 × 14 and larger ones they lost (32 groups of 32 on 14 × 14 1.73 → 1.89 ms), as the
    /// ungrouped ones do below 64 pixels or a deep sum.
    static let groupedTurnPixels = 64

    /// The unfolded values a band aims at per thread: 1 MB, which fits in an L2 cache beside the weights' panels.
    static let bandFloats = 1 << 18
}

/// The operands handed to the threads of `ConvProblem.runTransposed`; each writes its own channels.
private struct TransposedJob: @unchecked Sendable {
    let a: UnsafePointer<Float>
    let b: UnsafePointer<Float>
    let y: UnsafeMutablePointer<Float>
    let epilogue: strata_epilogue?
}

/// Each group's packed weight panels (`PackedGemmWeight(groups:)`), read by the threads of
/// `ConvProblem.runGrouped`.
private struct GroupedPanels: @unchecked Sendable {
    let panels: UnsafePointer<Float>
    let groupFloats: Int
}

/// A scratch buffer handed to parallel loops, each of which writes only its own part.
struct ScratchPointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

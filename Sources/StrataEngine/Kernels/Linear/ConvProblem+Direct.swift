import CStrataKernels
import StrataCore

/// Convolutions over a few input channels (a network's first layer on an RGB or grey image),
/// computed straight from the input (`strata_conv_direct`) instead of unfolded and multiplied.
///
/// Their products are shallow (27 multiply-adds per output for a 3×3 window over RGB), so im2col's
/// copies and the GEMM's packing of them cost as much as the arithmetic: MobileNetV2's first layer
/// (3 → 32 channels, 3×3, stride 2, 224 × 224) took 0.41-0.51 ms against onnxruntime's 0.31.
extension ConvProblem {
    /// The most input channels the direct kernel takes: its taps are all of the sum, read from a
    /// few rows copied per output row; with more channels the unfolded product reuses its inputs
    /// better.
    static let directChannels = 4

    /// Whether an ungrouped 2-D window over `channels` runs through `strata_conv_direct`: few input
    /// channels, at most 256 taps in all (one K block of the AVX-512 GEMM, whose sums it then
    /// repeats bit for bit), a kernel that is not 1×1 at stride 1 (that is a GEMM on the input as it
    /// is), and no stride wider than the kernel (rows it would copy and never read).
    static func runsDirect(_ g: strata_window2d, channels: Int, maps: Int) -> Bool {
        let taps = channels * Int(g.kernel_h) * Int(g.kernel_w)
        guard channels >= 1, channels <= directChannels, maps >= 1, taps <= 256, g.out_h > 0, g.out_w > 0 else { return false }
        if g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 { return false }
        guard g.stride_w <= g.kernel_w, g.stride_w <= 8, g.stride_h <= g.kernel_h else { return false }
        // A first layer's ring of rows is a few thousand values; a window dilated across a huge input
        // (a hostile file) would ask for rows of its size per tap, so those go to the banded im2col.
        // This also keeps the kernel's 32-bit offsets into its scratch in range.
        return withUnsafePointer(to: g) { strata_conv_direct_scratch($0, Int32(channels)) } <= directScratchLimit
    }

    /// The most scratch floats (16 MB) a direct convolution takes per thread.
    static let directScratchLimit = 1 << 22

    /// The output rows shared among the threads, each image's rows one after the other.
    func runDirect(_ context: ExecutionContext) {
        guard let window = geometry.window2d else { return }
        let rows = Int(window.out_h), inSize = geometry.inputSize, outSize = geometry.outputSize
        let scratchFloats = withUnsafePointer(to: window) { strata_conv_direct_scratch($0, Int32(channels)) }
        // About 64k multiply-adds per chunk: each chunk copies its rows' phases again.
        let perRow = maps * channels * geometry.kernelSize * Int(window.out_w)
        context.parallelFor(batch * rows, minChunk: Swift.max(1, 65536 / Swift.max(1, perRow))) { range in
            var g = window
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchFloats)
            defer { scratch.deallocate() }
            var ep = activation?.epilogue(bias: nil) ?? strata_epilogue()
            Self.forEachImage(in: range, itemsPerImage: rows) { n, band in
                strata_conv_direct(x + n * channels * inSize, Int32(channels), w, Int32(maps), bias, &g, Int32(band.lowerBound),
                                   Int32(band.upperBound), y + n * maps * outSize, scratch, &ep)
            }
        }
    }
}

import StrataCore
import CStrataKernels

/// A 3×3, stride-1, dilation-1, ungrouped float32 convolution by Winograd's F(4×4, 3×3): 36
/// multiplications per 4×4 output tile and channel pair instead of 144 (the transforms are
/// `strata_winograd_input`, `_weights` and `_output`; the 36 products per tile block are GEMMs).
///
/// Per image, tile rows go in blocks whose transformed input V (36 × tiles × channels) stays about
/// `blockFloats` (1 MB). For each block the output channels are cut into chunks, one task each: a
/// task transforms its channels' weights (U, 36 × channels × chunk: transformed on every run, so
/// that no engine keeps a second, 4× larger copy of the weights, and within the task so that U
/// is written and read while it is in the cache), multiplies, and writes its output channels.
///
/// Its results differ from the direct sum by rounding: about 1e-5 of the largest output on
/// ResNet layers, against 1e-6 for im2col + GEMM (the transforms add values scaled by up to 8).
struct WinogradConv: @unchecked Sendable {
    let x: UnsafePointer<Float>
    let w: UnsafePointer<Float>
    let bias: UnsafePointer<Float>?
    let y: UnsafeMutablePointer<Float>
    let batch, channels, maps: Int
    let window: strata_window2d
    /// Applied after the bias (its own bias is not used).
    let activation: FusedActivation?
    /// Transformed input values a tile block aims at.
    var blockFloats = WinogradConv.defaultBlockFloats

    /// 1 MB, about an L2 cache.
    static let defaultBlockFloats = 1 << 18
    /// Below this many tiles per image (a 14×14 output has 16) the transforms and the short GEMMs
    /// cost more than the direct product saves: ResNet's 512-channel 7×7 layer took 7.6 ms this way
    /// against 2.9 ms by im2col + GEMM.
    static let minimumTiles = 16
    /// Tiles of a block at least (or all of the image's), whatever `blockFloats` says: the 36
    /// products have the block's tiles as their rows, and each block transforms the weights again.
    /// With 1 MB blocks FCN-ResNet50's 2048-channel 3×3 layer on a 32 × 32 map went one row of 8
    /// tiles at a time, 263 ms against onnxruntime's 168; in blocks of 32 tiles 102 ms. A
    /// 1024-channel one on a 14 × 14 map (16 tiles, 4 a block): 69 → 25 ms, onnxruntime 34.
    static let minimumBlockTiles = 32
    /// Fewer channels than this on either side leave the transforms as the larger part of the work.
    static let minimumChannels = 16

    /// Whether a convolution of this shape goes this way.
    static func applies(channels: Int, maps: Int, group: Int, kernel: [Int], strides: [Int], dilations: [Int],
                        output: [Int]) -> Bool {
        guard group == 1, kernel == [3, 3], strides == [1, 1], dilations == [1, 1], output.count == 2,
              channels >= minimumChannels, maps >= minimumChannels else { return false }
        let tiles = ((output[0] + 3) / 4) * ((output[1] + 3) / 4)
        // Beyond Int32 the C kernels' sizes would overflow; such planes take im2col's banded path.
        return tiles >= minimumTiles && Double(tiles) * 36 * Double(Swift.max(channels, maps)) < Double(Int32.max)
    }

    /// Floats between the 36 matrices of one of V, U or M: whole 4 KB pages plus one cache line, so
    /// that the 36 values of one tile land in different cache sets (36 pointers a multiple of 4 KB
    /// apart share one set of an 8-way L1 cache: the weight transform ran 2.3× slower so).
    static func matrixStride(_ floats: Int) -> Int { (floats + 1023) / 1024 * 1024 + 16 }

    func run(_ context: ExecutionContext) {
        let tilesW = (Int(window.out_w) + 3) / 4, tilesH = (Int(window.out_h) + 3) / 4
        let blockRows = Self.blockRows(tilesW: tilesW, tilesH: tilesH, channels: channels, blockFloats: blockFloats)
        let inPlane = Int(window.in_h) * Int(window.in_w), outPlane = Int(window.out_h) * Int(window.out_w)
        let chunkWidth = Self.chunkWidth(maps: maps, channels: channels, threads: context.threads, blockFloats: blockFloats)
        let chunks = (maps + chunkWidth - 1) / chunkWidth
        let vStride = Self.matrixStride(blockRows * tilesW * channels)
        let v = UnsafeMutablePointer<Float>.allocate(capacity: 36 * vStride)
        defer { v.deallocate() }
        let shared = ScratchPointer(v)  // written by the input transform, then only read
        for n in 0..<batch {
            for first in stride(from: 0, to: tilesH, by: blockRows) {
                let rows = first..<Swift.min(first + blockRows, tilesH)
                let tiles = rows.count * tilesW
                let groups = (channels + 7) / 8
                context.parallelFor(groups) { range in
                    var g = window
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: strata_winograd_scratch(&g, Int32(rows.count)))
                    defer { scratch.deallocate() }
                    for group in range {
                        let c = group * 8
                        strata_winograd_input(x + (n * channels + c) * inPlane, inPlane, Int32(Swift.min(8, channels - c)), &g,
                                              Int32(rows.lowerBound), Int32(rows.upperBound), shared.pointer + c, vStride, channels,
                                              scratch)
                    }
                }
                context.parallelFor(chunks) { range in
                    // One set of buffers per task, sized for the widest chunk, for all of its chunks.
                    var g = window
                    let buffers = Buffers(uStride: Self.matrixStride(channels * chunkWidth),
                                          mStride: Self.matrixStride(tiles * chunkWidth),
                                          scratch: strata_winograd_scratch(&g, Int32(rows.count)))
                    defer { buffers.deallocate() }
                    for chunk in range {
                        let k0 = chunk * chunkWidth
                        multiply(outputs: k0..<Swift.min(maps, k0 + chunkWidth), tiles: tiles, rows: rows,
                                 v: UnsafePointer(shared.pointer), vStride: vStride, output: y + n * maps * outPlane,
                                 outPlane: outPlane, buffers: buffers)
                    }
                }
            }
        }
    }

    /// Rows of tiles per block: V of a block (36 × tiles × channels) about `blockFloats`, but at least
    /// `minimumBlockTiles` tiles.
    static func blockRows(tilesW: Int, tilesH: Int, channels: Int, blockFloats: Int) -> Int {
        Swift.min(tilesH, Swift.max(blockFloats / (36 * tilesW * channels), (minimumBlockTiles + tilesW - 1) / tilesW))
    }

    /// Output channels per task: U of one chunk (36 × channels × width) about `blockFloats`, a
    /// multiple of 8 (the transforms' vectors), and at least as many chunks as threads.
    static func chunkWidth(maps: Int, channels: Int, threads: Int, blockFloats: Int) -> Int {
        let widest = Swift.max(32, blockFloats / (36 * channels))
        var count = (maps + widest - 1) / widest
        if maps >= 8 * threads { count = (count + threads - 1) / threads * threads }
        return ((maps + count - 1) / count + 7) / 8 * 8
    }

    /// U for output channels `outputs`, the 36 products M_ξ = V_ξ·U_ξ, and those channels' outputs.
    private func multiply(outputs: Range<Int>, tiles: Int, rows: Range<Int>, v: UnsafePointer<Float>, vStride: Int,
                          output: UnsafeMutablePointer<Float>, outPlane: Int, buffers: Buffers) {
        let width = outputs.count
        let (u, uStride, m, mStride, scratch) = (buffers.u, buffers.uStride, buffers.m, buffers.mStride, buffers.scratch)
        var g = window
        strata_winograd_weights(w + outputs.lowerBound * channels * 9, Int32(channels), Int32(width), u, uStride, width)
        if BlockedGemm.native {
            for xi in 0..<36 {
                strata_sgemm(Int32(tiles), Int32(channels), v + xi * vStride, Int32(channels), u + xi * uStride, Int32(width),
                             0, Int32(width), m + xi * mStride, Int32(width), 0, buffers.gemm, nil)
            }
        } else {
            for xi in 0..<36 {
                Float.gemm(transA: false, transB: false, m: tiles, n: width, k: channels, alpha: 1, a: v + xi * vStride,
                           lda: channels, b: u + xi * uStride, ldb: width, beta: 0, c: m + xi * mStride, ldc: width)
            }
        }
        var ep = activation?.epilogue(bias: nil) ?? strata_epilogue()
        for k in stride(from: 0, to: width, by: 8) {
            let channel = outputs.lowerBound + k
            strata_winograd_output(m + k, mStride, width, Int32(Swift.min(8, width - k)), bias.map { $0 + channel },
                                   &g, Int32(rows.lowerBound), Int32(rows.upperBound), output + channel * outPlane, outPlane,
                                   scratch, &ep)
        }
    }
}

/// One task's U, M and transform and GEMM scratch, reused for each of its chunks.
private struct Buffers {
    let uStride, mStride: Int
    let u, m, scratch, gemm: UnsafeMutablePointer<Float>

    init(uStride: Int, mStride: Int, scratch floats: Int) {
        (self.uStride, self.mStride) = (uStride, mStride)
        u = .allocate(capacity: 36 * uStride)
        m = .allocate(capacity: 36 * mStride)
        scratch = .allocate(capacity: floats)
        gemm = .allocate(capacity: strata_sgemm_scratch())
    }

    func deallocate() {
        for p in [u, m, scratch, gemm] { p.deallocate() }
    }
}

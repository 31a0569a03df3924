import CStrataKernels
import StrataCore

/// A 3×3 convolution dilated by (dh, dw), stride 1, padded to keep its map's size (DeepLab's and
/// FCN's atrous layers), run as an undilated one through Winograd.
///
/// Output row `i·dh + a` reads input rows `(i + k − 1)·dh + a` only: the rows of phase `a`, as an
/// undilated 3×3 window with one row of padding over the phase's own rows. So the input's d_h × d_w
/// phases are laid side by side on a canvas, each phase's rows and columns apart, with one row or
/// column of zeros between neighbours (the padding of both), and the canvas goes through
/// `WinogradConv` as an ordinary 3×3 convolution; each phase of the output is then read back from
/// its place. The canvas is d − 1 rows and columns larger than the map, so the products are about
/// those of the undilated convolution, at a quarter of im2col's multiply-adds. Bias and activation are
/// applied per value as Winograd stores, before the output is put back in order.
struct AtrousCanvas {
    let dilationH: Int, dilationW: Int
    /// The input and output map, H × W, and one phase of it, H/dh × W/dw.
    let height: Int, width: Int
    let phaseHeight: Int, phaseWidth: Int
    /// The 3×3 window over the canvas, (H + dh − 1) × (W + dw − 1), padded by one.
    let window: strata_window2d

    var canvasHeight: Int { Int(window.in_h) }
    var canvasWidth: Int { Int(window.in_w) }

    /// The canvas for `geometry`, or nil where the convolution is not such a layer or its canvas
    /// would not go through Winograd.
    init?(_ geometry: ConvGeometry, channels: Int, maps: Int, group: Int) {
        guard group == 1, let g = geometry.window2d, geometry.rank == 2, g.kernel_h == 3, g.kernel_w == 3,
              g.stride_h == 1, g.stride_w == 1, g.dilation_h > 1 || g.dilation_w > 1,
              g.in_h == g.out_h, g.in_w == g.out_w, g.pad_top == g.dilation_h, g.pad_left == g.dilation_w,
              g.in_h % g.dilation_h == 0, g.in_w % g.dilation_w == 0 else { return nil }
        (dilationH, dilationW) = (Int(g.dilation_h), Int(g.dilation_w))
        (height, width) = (Int(g.in_h), Int(g.in_w))
        (phaseHeight, phaseWidth) = (height / dilationH, width / dilationW)
        let (h, w) = (height + dilationH - 1, width + dilationW - 1)
        guard WinogradConv.applies(channels: channels, maps: maps, group: 1, kernel: [3, 3], strides: [1, 1],
                                   dilations: [1, 1], output: [h, w]) else { return nil }
        window = strata_window2d(in_h: Int32(h), in_w: Int32(w), out_h: Int32(h), out_w: Int32(w), kernel_h: 3, kernel_w: 3,
                                 stride_h: 1, stride_w: 1, dilation_h: 1, dilation_w: 1, pad_top: 1, pad_left: 1)
    }

    /// The convolution of `problem` (whose geometry this canvas was made for), its output in `problem.y`.
    /// Throws `.resourceLimit` where the two canvases do not fit in `MemoryLimit`.
    func run(_ problem: ConvProblem, _ context: ExecutionContext) throws {
        let (batch, channels, maps) = (problem.batch, problem.channels, problem.maps)
        let plane = height * width, canvasPlane = canvasHeight * canvasWidth
        // Zeroed: the rows and columns between phases are the padding of both neighbours.
        let input = try Tensor(dtype: .float32, shape: [batch, channels, canvasHeight, canvasWidth], zeroed: true)
        let output = try Tensor(dtype: .float32, shape: [batch, maps, canvasHeight, canvasWidth])
        let job = CanvasJob(x: problem.x, canvasX: input.pointer(as: Float.self), canvasY: output.pointer(as: Float.self), y: problem.y)
        let minChunk = Swift.max(1, 16384 / Swift.max(1, plane))
        context.parallelFor(batch * channels, minChunk: minChunk) { planes in
            for p in planes { place(job.x + p * plane, on: job.canvasX + p * canvasPlane) }
        }
        WinogradConv(x: job.canvasX, w: problem.w, bias: problem.bias, y: job.canvasY, batch: batch, channels: channels,
                     maps: maps, window: window, activation: problem.activation).run(context)
        context.parallelFor(batch * maps, minChunk: minChunk) { planes in
            for p in planes { takeBack(job.canvasY + p * canvasPlane, into: job.y + p * plane) }
        }
        withExtendedLifetime((input, output)) {}
    }

    /// Calls `body(p, c)` for each row of each phase: value j of that row lies at `plane[p + j·dw]` in
    /// the map and at `canvas[c + j]` on the canvas, phase (a, b) starting at row a·(H/dh + 1) and
    /// column b·(W/dw + 1).
    private func forEachPhaseRow(_ body: (_ p: Int, _ c: Int) -> Void) {
        for a in 0..<dilationH {
            for i in 0..<phaseHeight {
                for b in 0..<dilationW {
                    body((i * dilationH + a) * width + b, (a * (phaseHeight + 1) + i) * canvasWidth + b * (phaseWidth + 1))
                }
            }
        }
    }

    /// One plane of the input onto its canvas.
    func place(_ plane: UnsafePointer<Float>, on canvas: UnsafeMutablePointer<Float>) {
        forEachPhaseRow { p, c in
            for j in 0..<phaseWidth { canvas[c + j] = plane[p + j * dilationW] }
        }
    }

    /// One plane of the output back from its canvas, the inverse of `place`.
    func takeBack(_ canvas: UnsafePointer<Float>, into plane: UnsafeMutablePointer<Float>) {
        forEachPhaseRow { p, c in
            for j in 0..<phaseWidth { plane[p + j * dilationW] = canvas[c + j] }
        }
    }
}

/// The planes and canvases handed to the threads; each writes its own planes.
private struct CanvasJob: @unchecked Sendable {
    let x: UnsafePointer<Float>
    let canvasX: UnsafeMutablePointer<Float>
    let canvasY: UnsafeMutablePointer<Float>
    let y: UnsafeMutablePointer<Float>
}

import StrataCore
import CStrataKernels

/// A sliding window placed over one concrete input: the sizes the convolution loops run over.
/// `input` is the image the window slides on and `output` the window positions — for ConvTranspose
/// that is its output image and its input, respectively.
struct ConvGeometry: Sendable {
    let input: [Int]
    let output: [Int]
    let kernel: [Int]
    let strides: [Int]
    let dilations: [Int]
    let padBegin: [Int]

    var rank: Int { kernel.count }
    var inputSize: Int { input.elementCount }
    var outputSize: Int { output.elementCount }
    var kernelSize: Int { kernel.elementCount }

    init(input: [Int], output: [Int], window: SlidingWindow, padBegin: [Int]) {
        self.input = input
        self.output = output
        self.kernel = window.kernel
        self.strides = window.strides
        self.dilations = window.dilations
        self.padBegin = padBegin
    }

    /// The C kernels' 2-D description; 1-D windows become one-row 2-D windows. nil for 3-D and up.
    var window2d: strata_window2d? {
        switch rank {
        case 1:
            return strata_window2d(
                in_h: 1, in_w: Int32(input[0]), out_h: 1, out_w: Int32(output[0]), kernel_h: 1, kernel_w: Int32(kernel[0]),
                stride_h: 1, stride_w: Int32(strides[0]), dilation_h: 1, dilation_w: Int32(dilations[0]),
                pad_top: 0, pad_left: Int32(padBegin[0]))
        case 2:
            return strata_window2d(
                in_h: Int32(input[0]), in_w: Int32(input[1]), out_h: Int32(output[0]), out_w: Int32(output[1]),
                kernel_h: Int32(kernel[0]), kernel_w: Int32(kernel[1]), stride_h: Int32(strides[0]), stride_w: Int32(strides[1]),
                dilation_h: Int32(dilations[0]), dilation_w: Int32(dilations[1]),
                pad_top: Int32(padBegin[0]), pad_left: Int32(padBegin[1]))
        default:
            return nil
        }
    }

    /// True when the window is a plain per-position matrix product (1×…×1 kernel, stride 1, no padding).
    var isPointwise: Bool {
        kernel.allSatisfy { $0 == 1 } && strides.allSatisfy { $0 == 1 } && padBegin.allSatisfy { $0 == 0 }
            && input == output
    }

    /// For kernel tap `tap` (row-major over `kernel`), the input offset of each output position, or
    /// -1 where the tap falls into padding.
    func tapOffsets(_ tap: Int) -> [Int] {
        var k = [Int](repeating: 0, count: rank)
        var t = tap
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            k[axis] = t % kernel[axis]
            t /= kernel[axis]
        }
        var offsets = [Int](repeating: 0, count: outputSize)
        var position = [Int](repeating: 0, count: rank)
        for o in 0..<outputSize {
            var offset = 0
            for axis in 0..<rank {
                let i = position[axis] * strides[axis] - padBegin[axis] + k[axis] * dilations[axis]
                if i < 0 || i >= input[axis] { offset = -1; break }
                offset = offset * input[axis] + i
            }
            offsets[o] = offset
            var axis = rank - 1
            while axis >= 0 {
                position[axis] += 1
                if position[axis] < output[axis] { break }
                position[axis] = 0
                axis -= 1
            }
        }
        return offsets
    }

    /// Output positions per output row: the last output axis (the C kernels' `out_w`).
    var outputRowWidth: Int { output.last ?? 1 }

    /// Output rows: every output axis but the last, multiplied out.
    var outputRows: Int { outputSize / Swift.max(outputRowWidth, 1) }

    /// im2col into rows `rows` of `col` (row `c·kernelSize + tap` holds tap `tap` of channel `c`),
    /// for the output positions of output rows `band` (all of them when nil): each row of `col` has
    /// `band.count · outputRowWidth` columns.
    func im2col(_ x: UnsafePointer<Float>, rows: Range<Int>, band: Range<Int>? = nil, into col: UnsafeMutablePointer<Float>) {
        let band = band ?? 0..<outputRows
        if var g = window2d {
            // A 1-D window is the 2-D kernel's one output row, as `outputRows` counts it.
            strata_im2col_2d(x, &g, Int32(rows.lowerBound), Int32(rows.upperBound), Int32(band.lowerBound), Int32(band.upperBound), col)
            return
        }
        let first = band.lowerBound * outputRowWidth, columns = band.count * outputRowWidth
        var offsets: (tap: Int, values: [Int])? = nil
        for row in rows {
            let (c, tap) = row.quotientAndRemainder(dividingBy: kernelSize)
            if offsets?.tap != tap { offsets = (tap, tapOffsets(tap)) }
            let table = offsets!.values
            let src = x + c * inputSize, dst = col + row * columns
            for o in 0..<columns {
                let offset = table[first + o]
                dst[o] = offset < 0 ? 0 : src[offset]
            }
        }
    }

    /// col2im: adds each `col` value (same layout as `im2col`) to the position of `x` it came from.
    func col2im(_ col: UnsafePointer<Float>, channels: Range<Int>, into x: UnsafeMutablePointer<Float>) {
        if var g = window2d {
            strata_col2im_2d(col, &g, Int32(channels.lowerBound), Int32(channels.upperBound), x)
            return
        }
        for tap in 0..<kernelSize {
            let offsets = tapOffsets(tap)
            for c in channels {
                let dst = x + c * inputSize
                let src = col + (c * kernelSize + tap) * outputSize
                for o in 0..<outputSize where offsets[o] >= 0 { dst[offsets[o]] += src[o] }
            }
        }
    }
}

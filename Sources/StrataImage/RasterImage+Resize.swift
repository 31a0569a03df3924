import Foundation

extension RasterImage {
    /// A rectangle of source pixel coordinates (Pillow's `resize(box=…)`), in single precision as
    /// Pillow passes it to C. `left < right ≤ width`, `top < bottom ≤ height`, all ≥ 0.
    public struct Region: Sendable, Equatable {
        public var left: Float
        public var top: Float
        public var right: Float
        public var bottom: Float

        public init(left: Float, top: Float, right: Float, bottom: Float) {
            self.left = left
            self.top = top
            self.right = right
            self.bottom = bottom
        }
    }

    /// This image (or `region` of it) resized to `width × height` exactly as Pillow's
    /// `Image.resize((width, height), filter, box=region)` resizes an 8-bit "L" or "RGB" image,
    /// bit for bit:
    ///
    /// - same size and whole image: unchanged;
    /// - an integer-aligned region of exactly the output size: a crop;
    /// - `nearest`: Pillow's affine scaling, stepping the source coordinate by
    ///   `span / size` in double precision from the first pixel centre;
    /// - the other filters: separable convolution, horizontal pass first (over only the rows the
    ///   vertical pass reads) unless the image loses more than twice as many rows as columns,
    ///   weights in 22-bit fixed point, sums rounded and clipped to 0...255; shrinking widens the
    ///   kernel by the scale factor (antialiasing).
    public func resized(width outWidth: Int, height outHeight: Int, filter: ResampleFilter, region: Region? = nil) -> RasterImage {
        precondition(outWidth > 0 && outHeight > 0, "resize to an empty image")
        let box = region ?? Region(left: 0, top: 0, right: Float(width), bottom: Float(height))
        precondition(box.left >= 0 && box.top >= 0 && box.right <= Float(width) && box.bottom <= Float(height)
            && box.right > box.left && box.bottom > box.top, "resize region outside the image")
        if outWidth == width && outHeight == height && box == Region(left: 0, top: 0, right: Float(width), bottom: Float(height)) {
            return self
        }
        if box.left == box.left.rounded(.towardZero) && box.right - box.left == Float(outWidth)
            && box.top == box.top.rounded(.towardZero) && box.bottom - box.top == Float(outHeight) {
            return cropped(left: Int(box.left), top: Int(box.top), width: outWidth, height: outHeight)
        }
        if filter == .nearest {
            return nearestScaled(width: outWidth, height: outHeight, box: box)
        }
        return convolved(width: outWidth, height: outHeight, box: box, filter: filter)
    }

    /// Pillow's ImagingScaleAffine: per output column and row, the source index is the truncated
    /// running sum `box.origin + step/2 + k·step` (accumulated, not multiplied, as Pillow does);
    /// positions that fall outside the source stay 0.
    private func nearestScaled(width outWidth: Int, height outHeight: Int, box: Region) -> RasterImage {
        let stepX = Double(box.right - box.left) / Double(outWidth)
        let stepY = Double(box.bottom - box.top) / Double(outHeight)
        func indices(start: Double, step: Double, count: Int, limit: Int) -> [Int] {
            var position = start + step * 0.5
            var out = [Int](repeating: -1, count: count)
            for i in 0 ..< count {
                let index = position < 0 ? -1 : Int(position.rounded(.towardZero))
                if index >= 0 && index < limit { out[i] = index }
                position += step
            }
            return out
        }
        let columns = indices(start: Double(box.left), step: stepX, count: outWidth, limit: width)
        let rows = indices(start: Double(box.top), step: stepY, count: outHeight, limit: height)
        let channels = channels
        let inRow = width * channels
        return RasterImage(width: outWidth, height: outHeight, channels: channels) { out in
            pixels.withUnsafeBufferPointer { source in
                for y in 0 ..< outHeight where rows[y] >= 0 {
                    let from = rows[y] * inRow
                    let to = y * outWidth * channels
                    for x in 0 ..< outWidth where columns[x] >= 0 {
                        let s = from + columns[x] * channels
                        let d = to + x * channels
                        for c in 0 ..< channels { out[d + c] = source[s + c] }
                    }
                }
            }
        }
    }

    /// Pillow's ImagingResampleInner for 8-bit images.
    private func convolved(width outWidth: Int, height outHeight: Int, box: Region, filter: ResampleFilter) -> RasterImage {
        // Pillow's own tests (note: it compares the box's right edge with the output width).
        let needHorizontal = outWidth != width || box.left != 0 || box.right != Float(outWidth)
        let needVertical = outHeight != height || box.top != 0 || box.bottom != Float(outHeight)
        let vertical = ResampleCoefficients(inSize: height, from: box.top, to: box.bottom, outSize: outHeight, filter: filter)
        let horizontal = ResampleCoefficients(inSize: width, from: box.left, to: box.right, outSize: outWidth, filter: filter)
        // Pillow 13 runs the vertical pass first when the image loses more than twice as many rows
        // as columns (measured on the whole image, not the box); the order changes rounding.
        if needHorizontal && needVertical && outHeight < height && height - outHeight > 2 * (width - outWidth) {
            return verticalPass(vertical, outHeight: outHeight, rowOffset: 0).horizontalPass(horizontal, rows: 0 ..< outHeight)
        }
        var current = self
        var rowOffset = 0
        if needHorizontal {
            // Only the rows the vertical pass reads.
            let firstRow = vertical.starts[0]
            let lastRow = vertical.starts[outHeight - 1] + vertical.counts[outHeight - 1]
            current = horizontalPass(horizontal, rows: firstRow ..< lastRow)
            rowOffset = firstRow
        }
        if needVertical {
            current = current.verticalPass(vertical, outHeight: outHeight, rowOffset: rowOffset)
        }
        return current
    }

    /// Rows `rows` of this image resampled horizontally to `coefficients`' output width.
    private func horizontalPass(_ coefficients: ResampleCoefficients, rows: Range<Int>) -> RasterImage {
        let outWidth = coefficients.starts.count
        let channels = channels, inWidth = width, window = coefficients.windowSize
        let half: Int32 = 1 << (ResampleCoefficients.precisionBits - 1)
        return RasterImage(width: outWidth, height: rows.count, channels: channels) { out in
            pixels.withUnsafeBufferPointer { source in
                coefficients.weights.withUnsafeBufferPointer { weights in
                    let source = SharedPointer(source.baseAddress!), target = SharedPointer(out.baseAddress!)
                    let weights = SharedPointer(weights.baseAddress!)
                    Self.forEachRowBlock(rows.count) { block in
                        for y in block {
                            let sourceRow = source.base + (y + rows.lowerBound) * inWidth * channels
                            let outRow = target.base + y * outWidth * channels
                            for x in 0 ..< outWidth {
                                let start = coefficients.starts[x], count = coefficients.counts[x]
                                let k = weights.base + x * window
                                for c in 0 ..< channels {
                                    var sum = half
                                    var p = sourceRow + start * channels + c
                                    for i in 0 ..< count {
                                        sum = sum &+ Int32(p.pointee) &* k[i]
                                        p += channels
                                    }
                                    outRow[x * channels + c] = ResampleCoefficients.clip(sum)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// This image resampled vertically to `outHeight` rows; `coefficients`' source rows are
    /// counted from `rowOffset` (the first row the horizontal pass kept).
    private func verticalPass(_ coefficients: ResampleCoefficients, outHeight: Int, rowOffset: Int) -> RasterImage {
        let channels = channels, rowLength = width * channels, window = coefficients.windowSize
        let half: Int32 = 1 << (ResampleCoefficients.precisionBits - 1)
        return RasterImage(width: width, height: outHeight, channels: channels) { out in
            pixels.withUnsafeBufferPointer { source in
                coefficients.weights.withUnsafeBufferPointer { weights in
                    let source = SharedPointer(source.baseAddress!), target = SharedPointer(out.baseAddress!)
                    let weights = SharedPointer(weights.baseAddress!)
                    Self.forEachRowBlock(outHeight) { block in
                        for y in block {
                            let start = coefficients.starts[y] - rowOffset, count = coefficients.counts[y]
                            let k = weights.base + y * window
                            let first = source.base + start * rowLength
                            let outRow = target.base + y * rowLength
                            for i in 0 ..< rowLength {
                                var sum = half
                                var p = first + i
                                for j in 0 ..< count {
                                    sum = sum &+ Int32(p.pointee) &* k[j]
                                    p += rowLength
                                }
                                outRow[i] = ResampleCoefficients.clip(sum)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Runs `body` over `0 ..< rows` split into blocks, on all cores when there is enough work.
    private static func forEachRowBlock(_ rows: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let blocks = min(rows, 4 * ProcessInfo.processInfo.activeProcessorCount)
        guard blocks > 1 else {
            body(0 ..< rows)
            return
        }
        DispatchQueue.concurrentPerform(iterations: blocks) { b in
            body(rows * b / blocks ..< rows * (b + 1) / blocks)
        }
    }
}

/// A buffer address shared by the row blocks of one resampling pass, each of which reads the
/// whole source and writes only its own rows.
private struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>

    init(_ base: UnsafePointer<T>) { self.base = UnsafeMutablePointer(mutating: base) }
    init(_ base: UnsafeMutablePointer<T>) { self.base = base }
}

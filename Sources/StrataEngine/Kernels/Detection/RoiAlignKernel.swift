import Foundation
import StrataCore

/// RoiAlign: for each region of interest `rois[r] = [x1, y1, x2, y2]` (scaled by `spatial_scale`) in
/// image `batch_indices[r]` of X [N, C, H, W], an `output_height × output_width` grid of bins, each the
/// average (`mode` "avg") or maximum ("max") of `sampling_ratio²` bilinear samples (0: as many as the
/// bin is pixels, rounded up). `coordinate_transformation_mode` "half_pixel" (opset 16's default)
/// shifts coordinates by -0.5; "output_half_pixel" (opset 10's only behaviour) does not and makes
/// each region at least one pixel. "max" takes the largest of each sample's four weighted corner
/// values, as onnxruntime does. float32 (other float dtypes through float32).
struct RoiAlignKernel: Kernel {
    let node: Node
    let halfPixel: Bool
    let maxMode: Bool
    let outputHeight: Int
    let outputWidth: Int
    let samplingRatio: Int
    let spatialScale: Float

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(RoiAlignAttributes.self)
        halfPixel = attributes.halfPixel
        maxMode = attributes.maxMode
        outputHeight = attributes.outputHeight
        outputWidth = attributes.outputWidth
        samplingRatio = attributes.samplingRatio
        spatialScale = attributes.spatialScale
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        guard x.dtype.isFloatingPoint else {
            throw node.error("X has dtype \(x.dtype.rawValue); expected a float type", kind: .invalidInput)
        }
        if x.dtype != .float32 {
            return try runWidened(inputs, from: x.dtype, context: context) { try run($0, context: context) }
        }
        let (rois, indices) = (try args.tensor(1), try args.tensor(2))
        guard x.rank == 4, rois.rank == 2, rois.shape[1] == 4, rois.dtype.isFloatingPoint, indices.dtype.isInteger,
              indices.rank == 1, indices.shape[0] == rois.shape[0] else {
            throw node.error("X \(x.type), rois \(rois.type) and batch_indices \(indices.type) must be [N, C, H, W], "
                             + "[R, 4] and [R]", kind: .invalidInput)
        }
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let regions = rois.floats()
        let y = try Tensor(dtype: .float32, shape: [rois.shape[0], channels, outputHeight, outputWidth], zeroed: true)
        let (src, dst) = (x.pointer(as: Float.self), y.pointer(as: Float.self))
        let offset: Float = halfPixel ? 0.5 : 0
        for r in 0..<rois.shape[0] {
            let image = indices.intValue(at: r)
            guard (0..<batch).contains(image) else {
                throw node.error("batch_indices[\(r)] is \(image); X has \(batch) images", kind: .invalidInput)
            }
            let startW = regions[4 * r] * spatialScale - offset, startH = regions[4 * r + 1] * spatialScale - offset
            var roiW = regions[4 * r + 2] * spatialScale - offset - startW
            var roiH = regions[4 * r + 3] * spatialScale - offset - startH
            if !halfPixel { roiW = Swift.max(roiW, 1); roiH = Swift.max(roiH, 1) }
            guard roiW.isFinite, roiH.isFinite else {
                throw node.error("region \(r) has non-finite coordinates", kind: .invalidInput)
            }
            let binH = roiH / Float(outputHeight), binW = roiW / Float(outputWidth)
            let gridH = samplingRatio > 0 ? samplingRatio : Int(Swift.min(4096, Swift.max(0, (roiH / Float(outputHeight)).rounded(.up))))
            let gridW = samplingRatio > 0 ? samplingRatio : Int(Swift.min(4096, Swift.max(0, (roiW / Float(outputWidth)).rounded(.up))))
            let samples = Swift.max(gridH * gridW, 1)
            // A huge region with adaptive sampling asks for up to 4096² samples per bin: refuse work that
            // would not finish rather than hang.
            let work = [gridH, gridW, outputHeight, outputWidth, channels].checkedElementCount ?? Int.max
            guard work <= 1 << 34 else {
                throw node.error("region \(r) would take \(work) bilinear samples (sampling grid \(gridH)×\(gridW) per bin)",
                                 kind: .resourceLimit)
            }
            for c in 0..<channels {
                let plane = src + (image * channels + c) * height * width
                let out = dst + ((r * channels + c) * outputHeight) * outputWidth
                for ph in 0..<outputHeight {
                    for pw in 0..<outputWidth {
                        var value: Float = 0
                        var first = true
                        for iy in 0..<gridH {
                            let yy = startH + Float(ph) * binH + (Float(iy) + 0.5) * binH / Float(gridH)
                            for ix in 0..<gridW {
                                let xx = startW + Float(pw) * binW + (Float(ix) + 0.5) * binW / Float(gridW)
                                let terms = corners(plane, height, width, yy, xx)
                                if maxMode {
                                    let v = Swift.max(Swift.max(Swift.max(terms.0, terms.1), terms.2), terms.3)
                                    value = first ? v : Swift.max(value, v)
                                    first = false
                                } else {
                                    value += terms.0 + terms.1 + terms.2 + terms.3
                                }
                            }
                        }
                        out[ph * outputWidth + pw] = maxMode ? value : value / Float(samples)
                    }
                }
            }
        }
        return [y]
    }

    /// The four weighted corner values of the bilinear sample at (y, x); zeros outside [-1, size].
    private func corners(_ plane: UnsafeMutablePointer<Float>, _ height: Int, _ width: Int,
                         _ sampleY: Float, _ sampleX: Float) -> (Float, Float, Float, Float) {
        guard height > 0, width > 0, sampleY >= -1, sampleY <= Float(height), sampleX >= -1, sampleX <= Float(width) else { return (0, 0, 0, 0) }
        var (y, x) = (Swift.max(sampleY, 0), Swift.max(sampleX, 0))
        var (yLow, xLow) = (Int(y), Int(x))
        let yHigh: Int, xHigh: Int
        if yLow >= height - 1 { yLow = height - 1; yHigh = yLow; y = Float(yLow) } else { yHigh = yLow + 1 }
        if xLow >= width - 1 { xLow = width - 1; xHigh = xLow; x = Float(xLow) } else { xHigh = xLow + 1 }
        let (ly, lx) = (y - Float(yLow), x - Float(xLow))
        let (hy, hx) = (1 - ly, 1 - lx)
        return (hy * hx * plane[yLow * width + xLow], hy * lx * plane[yLow * width + xHigh],
                ly * hx * plane[yHigh * width + xLow], ly * lx * plane[yHigh * width + xHigh])
    }
}

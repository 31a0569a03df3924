import StrataCore

/// A class activation heat map blended over the image, exactly as pytorch-grad-cam 1.5.7's
/// `show_cam_on_image(img, mask, use_rgb=True, colormap=cv2.COLORMAP_JET, image_weight=w)` does,
/// in float32:
/// 1. `heat = opencvJet[uint8(255 · mask)] / 255` (truncation; NaN counts as 0),
/// 2. `cam = (1 − w) · heat + w · img`,
/// 3. `uint8(255 · cam / max(cam))` (truncation).
public enum CAMOverlay {
    /// The blended RGB image. `image` holds `height × width × 3` RGB values in 0…1 (row-major,
    /// interleaved), `mask` the heat map at the same size with values in 0…1. Throws `invalidInput`
    /// for mismatched sizes, an image value above 1 (as pytorch-grad-cam refuses it), or a weight
    /// outside 0…1.
    public static func blend(image: [Float], width: Int, height: Int, mask: FloatMap, imageWeight: Float = 0.5) throws -> RasterImage {
        guard mask.width == width, mask.height == height, width > 0, height > 0 else {
            throw StrataError(.invalidInput, "heat map \(mask.height)×\(mask.width) does not match the \(height)×\(width) image")
        }
        guard image.count == mask.values.count * 3 else {
            throw StrataError(.invalidInput, "\(image.count) image values do not fill \(height)×\(width)×3")
        }
        guard (0 ... 1).contains(imageWeight) else {
            throw StrataError(.invalidInput, "image weight must be within 0…1, got \(imageWeight)")
        }
        if let top = image.max(), top > 1 { throw StrataError(.invalidInput, "the image must have values within 0…1, found \(top)") }
        let table = ColorMap.opencvJet.entries
        var cam = [Float](repeating: 0, count: image.count)
        for (p, m) in mask.values.enumerated() {
            let scaled = 255 * m
            let index = scaled.isNaN ? 0 : Int(min(max(scaled, 0), 255))
            let c = table[index]
            for (k, byte) in [c.red, c.green, c.blue].enumerated() {
                cam[3 * p + k] = (1 - imageWeight) * (Float(byte) / 255) + imageWeight * image[3 * p + k]
            }
        }
        let top = cam.max() ?? 0
        let pixels = cam.map { v -> UInt8 in
            let x = top > 0 ? 255 * (v / top) : 0
            return UInt8(min(max(x, 0), 255))
        }
        return try RasterImage(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// An 8-bit image as `show_cam_on_image` expects it: `np.float32(img) / 255`, grey repeated into
    /// R, G and B.
    public static func unitImage(_ raster: RasterImage) -> [Float] {
        var out = [Float](repeating: 0, count: raster.width * raster.height * 3)
        for row in 0 ..< raster.height {
            for column in 0 ..< raster.width {
                let c = raster.rgb(row: row, column: column)
                let i = 3 * (row * raster.width + column)
                out[i] = Float(c.red) / 255
                out[i + 1] = Float(c.green) / 255
                out[i + 2] = Float(c.blue) / 255
            }
        }
        return out
    }
}

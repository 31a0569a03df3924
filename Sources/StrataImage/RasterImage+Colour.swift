extension RasterImage {
    /// This image with 3 channels: grey samples replicated (Pillow's `convert("RGB")` from "L").
    public func rgb() -> RasterImage {
        guard channels == 1 else { return self }
        return RasterImage(width: width, height: height, channels: 3) { out in
            pixels.withUnsafeBufferPointer { grey in
                for i in 0 ..< grey.count {
                    let v = grey[i]
                    out[3 * i] = v
                    out[3 * i + 1] = v
                    out[3 * i + 2] = v
                }
            }
        }
    }

    /// This image with 1 channel, by Pillow's `convert("L")` formula (ITU-R 601-2 luma in 16-bit
    /// fixed point, rounded): `(r·19595 + g·38470 + b·7471 + 0x8000) >> 16`.
    public func grey() -> RasterImage {
        guard channels == 3 else { return self }
        return RasterImage(width: width, height: height, channels: 1) { out in
            pixels.withUnsafeBufferPointer { rgb in
                for i in 0 ..< out.count {
                    let r = UInt32(rgb[3 * i]), g = UInt32(rgb[3 * i + 1]), b = UInt32(rgb[3 * i + 2])
                    out[i] = UInt8((r &* 19595 &+ g &* 38470 &+ b &* 7471 &+ 0x8000) >> 16)
                }
            }
        }
    }
}

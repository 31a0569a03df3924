extension RasterImage {
    /// The `width × height` rectangle whose top-left corner is at (`left`, `top`), which may lie
    /// partly outside this image: pixels outside are 0, as in Pillow's `crop`.
    public func cropped(left: Int, top: Int, width outWidth: Int, height outHeight: Int) -> RasterImage {
        precondition(outWidth > 0 && outHeight > 0, "crop to an empty image")
        if left == 0 && top == 0 && outWidth == width && outHeight == height { return self }
        let channels = channels
        return RasterImage(width: outWidth, height: outHeight, channels: channels) { out in
            let x0 = max(left, 0), x1 = min(left + outWidth, width)
            guard x1 > x0 else { return }
            pixels.withUnsafeBufferPointer { source in
                for y in max(top, 0) ..< min(top + outHeight, height) {
                    let from = (y * width + x0) * channels
                    let to = ((y - top) * outWidth + (x0 - left)) * channels
                    for i in 0 ..< (x1 - x0) * channels { out[to + i] = source[from + i] }
                }
            }
        }
    }

    /// The central `width × height` part of this image, placed as torchvision's `CenterCrop`
    /// places it on a PIL image: a side shorter than the crop is first padded with zeros
    /// (`(crop − side) // 2` before, the rest after), then the offset is
    /// `int(round((side − crop) / 2.0))`, Python's round half to even.
    public func centerCropped(width cropWidth: Int, height cropHeight: Int) -> RasterImage {
        func offset(side: Int, crop: Int) -> Int {
            guard crop <= side else { return -((crop - side) / 2) }
            let d = side - crop
            let half = d / 2
            return d % 2 == 0 || half % 2 == 0 ? half : half + 1
        }
        return cropped(left: offset(side: width, crop: cropWidth), top: offset(side: height, crop: cropHeight),
                       width: cropWidth, height: cropHeight)
    }
}

extension RasterImage {
    /// The image shrunk by averaging `block × block` pixel blocks (the last ones may be smaller),
    /// each channel rounded to nearest, ties to even.
    func blockMeans(_ block: Int) -> RasterImage {
        precondition(block >= 1, "block size is positive")
        if block == 1 { return self }
        let outWidth = (width + block - 1) / block, outHeight = (height + block - 1) / block
        var sums = [Int](repeating: 0, count: outWidth * outHeight * channels)
        var counts = [Int](repeating: 0, count: outWidth * outHeight)
        for row in 0..<height {
            for column in 0..<width {
                let o = (row / block) * outWidth + column / block
                counts[o] += 1
                for c in 0..<channels { sums[o * channels + c] += Int(pixels[(row * width + column) * channels + c]) }
            }
        }
        let means = sums.indices.map { i in
            UInt8((Double(sums[i]) / Double(counts[i / channels])).rounded(.toNearestOrEven))
        }
        return RasterImage(checkedWidth: outWidth, height: outHeight, channels: channels, pixels: means)
    }
}

import StrataAnalysis
import StrataCore
import StrataRender
import StrataTensorBoard

extension TensorBoardLog {
    /// Logs one input's class activation map of layer output `base` (`CaptureWriter.baseName`) by
    /// `method`: the images `BASE/METHOD-overlay` (the bytes of `overlay.png`, when one was drawn)
    /// and `BASE/METHOD-heatmap` (the heat map as an 8-bit grey PNG, `heatmapPicture`), and the
    /// scalars `cam/BASE/METHOD/score` and, with `--metric drop`, `cam/BASE/METHOD/drop`; every tag
    /// ends in `/INPUT` when the run has several inputs (the input's subfolder of `--out`).
    func cam(_ logged: CAMWorker.Logged, base: String, method: CAMMethod) throws {
        let kind = method.rawValue
        if let overlay = logged.overlay {
            try image(Self.tag(base, kind + "-overlay", input: logged.folder), png: overlay)
        }
        try image(Self.tag(base, kind + "-heatmap", input: logged.folder), ImagePicture(image: try Self.heatmapImage(logged.heatmap)))
        var values = [try TensorBoardValue.scalar(Self.tag("cam/" + base, kind + "/score", input: logged.folder), Double(logged.score))]
        if let drop = logged.drop {
            values.append(try .scalar(Self.tag("cam/" + base, kind + "/drop", input: logged.folder), Double(drop)))
        }
        try writer.add(values, step: step)
    }

    /// A heat map in 0…1 as an 8-bit grey image: each value `h` becomes `⌊255·h + 0.5⌋` (clamped to
    /// 0…255; NaN becomes 0), so the image is `heatmap.npy` at 8 bits.
    static func heatmapImage(_ heatmap: ActivationMap) throws -> RasterImage {
        let pixels = heatmap.values.map { h -> UInt8 in
            guard h.isFinite else { return h == .infinity ? 255 : 0 }
            return UInt8(Swift.min(Swift.max((h * 255 + 0.5).rounded(.down), 0), 255))
        }
        return try RasterImage(width: heatmap.width, height: heatmap.height, channels: 1, pixels: pixels)
    }
}

import StrataAnalysis
import StrataCore
import StrataRender
import StrataTensorBoard

extension TensorBoardLog {
    /// Logs one input's class activation map of layer output `base` (`CaptureWriter.baseName`) by
    /// `method` for `--target` (nil: each input's top class): with `M` the `methodTag`, the images
    /// `BASE/M-overlay` (the bytes of `overlay.png`, when one was drawn) and `BASE/M-heatmap` (the
    /// heat map as an 8-bit grey PNG, `heatmapImage`), and the scalars `cam/BASE/M/score` and, with
    /// `--metric drop`, `cam/BASE/M/drop`; every tag ends in `/INPUT` when the run has several
    /// inputs (the input's subfolder of `--out`).
    func cam(_ logged: CAMWorker.Logged, base: String, method: CAMMethod, target: String?) throws {
        let kind = Self.methodTag(method.rawValue, target: target)
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

    /// The method's part of a tag: `METHOD`, or `METHOD[TARGET]` for a `--target` other than `top`
    /// (with `/` in it replaced by `_`, as `/` separates the parts of a tag), so that maps of several
    /// targets can share a run.
    static func methodTag(_ method: String, target: String?) -> String {
        guard let target, target != "top" else { return method }
        return method + "[" + target.replacingOccurrences(of: "/", with: "_") + "]"
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

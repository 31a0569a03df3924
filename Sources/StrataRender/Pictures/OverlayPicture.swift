import StrataCore

/// A heat map laid over an image (keract's `display_heatmaps` look): the map resized to the
/// image's size, normalised from its min to its max, coloured (`jet` by default) and blended with
/// the image, with a title and a colour bar in the map's data units.
///
/// The arithmetic, exactly (`blended()`):
/// 1. `map.resizedBilinear(height: base.height, width: base.width)` (half-pixel centres, no
///    antialiasing; see `FloatMap.resizedBilinear`).
/// 2. `Normalization(vmin, vmax)` over the resized map's finite min and max (0 … 0 when it has none).
/// 3. Each value's colour `c = colorMap.color(at: ColorMap.index(ofNormalized: norm(v)))` (as
///    matplotlib's `cmap(norm(v), bytes=True)`).
/// 4. Each channel `round((1 − α)·b + α·c)` in double, ties to even (numpy's `rint`), with `b` the
///    image's byte (grey repeated into R, G, B). A NaN in the resized map leaves the pixel unblended.
public struct OverlayPicture: Picture {
    public var title: String
    public var subtitle: String?
    /// The image underneath, grey or RGB.
    public var base: RasterImage
    /// The heat map, any size; resized to the image.
    public var map: FloatMap
    public var colorMap: ColorMap
    /// The heat map's weight, 0…1.
    public var alpha: Double
    public var valueLabel: String

    public init(
        title: String, subtitle: String? = nil, base: RasterImage, map: FloatMap,
        colorMap: ColorMap = .jet, alpha: Double = 0.4, valueLabel: String = "value"
    ) {
        self.title = title
        self.subtitle = subtitle
        self.base = base
        self.map = map
        self.colorMap = colorMap
        self.alpha = alpha
        self.valueLabel = valueLabel
    }

    /// The blended RGB pixels at the base image's size (see the type's documentation for the
    /// arithmetic). Throws `invalidInput` for an empty image or map, or α outside 0…1.
    public func blended() throws -> RasterImage {
        try blend().image
    }

    private func blend() throws -> (image: RasterImage, normalization: Normalization, hasNaN: Bool) {
        guard base.width > 0, base.height > 0 else { throw StrataError(.invalidInput, "base image is \(base.width)×\(base.height), nothing to draw on") }
        guard !map.isEmpty else { throw StrataError(.invalidInput, "heat map is \(map.height)×\(map.width), nothing to draw") }
        guard alpha.isFinite, (0...1).contains(alpha) else { throw StrataError(.invalidInput, "overlay alpha must be within 0…1, got \(alpha)") }
        let resized = try map.resizedBilinear(height: base.height, width: base.width)
        let range = resized.finiteRange
        let norm = try Normalization(vmin: Double(range?.lowerBound ?? 0), vmax: Double(range?.upperBound ?? 0))
        var pixels = [UInt8](repeating: 0, count: base.width * base.height * 3)
        var hasNaN = false
        func mix(_ b: UInt8, _ c: UInt8) -> UInt8 {
            let v = ((1 - alpha) * Double(b) + alpha * Double(c)).rounded(.toNearestOrEven)
            return UInt8(min(255, max(0, v)))
        }
        for row in 0..<base.height {
            for column in 0..<base.width {
                let i = row * base.width + column
                let b = base.rgb(row: row, column: column)
                let v = resized.values[i]
                let out: RGB
                if v.isNaN {
                    hasNaN = true
                    out = b
                } else {
                    let c = colorMap.color(at: ColorMap.index(ofNormalized: norm(v)))
                    out = RGB(mix(b.red, c.red), mix(b.green, c.green), mix(b.blue, c.blue))
                }
                pixels[3 * i] = out.red
                pixels[3 * i + 1] = out.green
                pixels[3 * i + 2] = out.blue
            }
        }
        let image = try RasterImage(width: base.width, height: base.height, channels: 3, pixels: pixels)
        return (image, norm, hasNaN)
    }

    public func render(format: PictureFormat) throws -> [UInt8] {
        do {
            let (image, norm, hasNaN) = try blend()
            let type = try Typesetter()
            // Small images are enlarged by an integer factor, large ones averaged over blocks.
            let longest = max(image.width, image.height)
            let block = longest > 2048 ? (longest + 2047) / 2048 : 1
            let shownImage = image.blockMeans(block)
            let scale = max(1, min(16, Int((448.0 / Double(max(shownImage.width, shownImage.height))).rounded(.down))))
            let w = shownImage.width * scale, h = shownImage.height * scale
            var notes = ["\(map.height)×\(map.width) map resized bilinearly to \(image.height)×\(image.width), α = \(NumberFormat.compact(alpha)), scaled min → max"]
            if block > 1 { notes.append("shown averaged over \(block)×\(block) blocks (\(image.height)×\(image.width) → \(shownImage.height)×\(shownImage.width))") }
            if hasNaN { notes.append("NaN values leave the image unblended") }
            var figure = Figure(
                title: title, subtitle: subtitle, notes: notes, bodyWidth: w + 2, bodyHeight: h + 2,
                colorBar: ColorBar(colorMap: colorMap, scale: .values(norm), caption: valueLabel, hasNaN: false)
            ) { canvas, x0, y0 in
                let shown = try Raster(width: w, height: h)
                try shown.draw(Raster.image(shownImage), x: 0, y: 0, scaleX: scale, scaleY: scale)
                canvas.paint(shown, x: x0 + 1, y: y0 + 1)
                canvas.frame(x: Double(x0 + 1), y: Double(y0 + 1), width: Double(w), height: Double(h), color: Axes.spineColor)
            }
            figure.colorBarSpan = (1, ColorBar.height(beside: h))
            return try figure.render(format: format, type)
        } catch let error as StrataError {
            throw error.located(ErrorLocation(detail: "overlay"))
        }
    }
}

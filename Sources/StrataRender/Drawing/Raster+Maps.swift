import CCairo

extension Raster {
    /// One pixel per value of `map`, coloured by `colorMap` under `normalization` (NaN in the
    /// map's bad colour).
    static func colored(_ map: FloatMap, _ colorMap: ColorMap, _ normalization: Normalization) throws -> Raster {
        try Raster(width: map.width, height: map.height) { row, column in
            colorMap.color(of: map[row, column], in: normalization)
        }
    }

    /// One pixel per position of three equally sized planes, each normalised and turned into a
    /// byte as matplotlib's `to_rgba(bytes=True)` does for float RGB data: `UInt8(clamp(x, 0, 1) · 255)`
    /// truncated. A NaN in any plane gives `bad`.
    static func rgb(_ planes: [FloatMap], _ normalization: Normalization, bad: RGB) throws -> Raster {
        precondition(planes.count == 3, "an RGB tile has three planes")
        let first = planes[0]
        return try Raster(width: first.width, height: first.height) { row, column in
            let r = planes[0][row, column], g = planes[1][row, column], b = planes[2][row, column]
            if r.isNaN || g.isNaN || b.isNaN { return bad }
            func byte(_ v: Float) -> UInt8 {
                let x = min(max(normalization(v), 0), 1)
                return UInt8(x * 255)
            }
            return RGB(byte(r), byte(g), byte(b))
        }
    }

    /// The pixels of an 8-bit image (grey repeated into R, G, B).
    static func image(_ image: RasterImage) throws -> Raster {
        try Raster(width: image.width, height: image.height) { row, column in image.rgb(row: row, column: column) }
    }

    /// Fills a rectangle of the raster.
    func fill(x: Int, y: Int, width: Int, height: Int, color: RGB) throws {
        let cr = cairo_create(surface)
        defer { cairo_destroy(cr) }
        let (r, g, b) = color.unit
        cairo_set_source_rgb(cr, r, g, b)
        cairo_rectangle(cr, Double(x), Double(y), Double(width), Double(height))
        cairo_fill(cr)
        try Canvas.check(cairo_status(cr), "filling a \(width)×\(height) rectangle")
    }
}

import CCairo
import StrataCore

/// A cairo RGB image in memory: a map's colours, a whole grid of tiles, an overlay. Tiles are
/// enlarged onto it by cairo's nearest-neighbour filter at integer factors, so every data value
/// covers a whole block of pixels.
final class Raster {
    let width: Int
    let height: Int
    let surface: OpaquePointer

    /// A `width × height` raster filled with `background`.
    init(width: Int, height: Int, background: RGB = .white) throws {
        try RenderLimits.checkRaster(width: width, height: height, what: "raster")
        self.width = width
        self.height = height
        surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))
        try Canvas.check(cairo_surface_status(surface), "creating a \(width)×\(height) raster")
        if background != .black { try fill(x: 0, y: 0, width: width, height: height, color: background) }
    }

    /// A raster whose pixel at (`row`, `column`) has `color(row, column)`.
    convenience init(width: Int, height: Int, color: (Int, Int) -> RGB) throws {
        try self.init(width: width, height: height, background: .black)
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let base = cairo_image_surface_get_data(surface) else {
            throw StrataError(.io, "cairo gave no pixel memory for a \(width)×\(height) raster")
        }
        for row in 0..<height {
            let line = UnsafeMutableRawPointer(base + row * stride).assumingMemoryBound(to: UInt32.self)
            for column in 0..<width {
                let c = color(row, column)
                // CAIRO_FORMAT_RGB24: one native-endian 32-bit word 0x00RRGGBB per pixel.
                line[column] = UInt32(c.red) << 16 | UInt32(c.green) << 8 | UInt32(c.blue)
            }
        }
        cairo_surface_mark_dirty(surface)
    }

    deinit { cairo_surface_destroy(surface) }

    /// Draws `source` with its top-left corner at (`x`, `y`), each of its pixels enlarged to a
    /// `scaleX × scaleY` block (nearest neighbour).
    func draw(_ source: Raster, x: Int, y: Int, scaleX: Int = 1, scaleY: Int = 1) throws {
        let cr = cairo_create(surface)
        defer { cairo_destroy(cr) }
        cairo_translate(cr, Double(x), Double(y))
        cairo_scale(cr, Double(scaleX), Double(scaleY))
        cairo_set_source_surface(cr, source.surface, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_rectangle(cr, 0, 0, Double(source.width), Double(source.height))
        cairo_fill(cr)
        try Canvas.check(cairo_status(cr), "drawing a \(source.width)×\(source.height) map")
    }
}

import CCairo

extension Canvas {
    /// A filled disc of `radius` centred on (`x`, `y`).
    func disc(x: Double, y: Double, radius: Double, color: RGB) {
        let (r, g, b) = color.unit
        cairo_set_source_rgb(context, r, g, b)
        cairo_new_sub_path(context)
        cairo_arc(context, x, y, radius, 0, 2 * Double.pi)
        cairo_fill(context)
    }

    /// Paints `raster` scaled to `width × height` with its top-left corner at (`x`, `y`), smoothed
    /// by cairo's bilinear filter (thumbnails of input images).
    func paint(_ raster: Raster, x: Double, y: Double, width: Double, height: Double) {
        guard width > 0, height > 0 else { return }
        cairo_save(context)
        cairo_translate(context, x, y)
        cairo_scale(context, width / Double(raster.width), height / Double(raster.height))
        cairo_set_source_surface(context, raster.surface, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(context), CAIRO_FILTER_BILINEAR)
        cairo_rectangle(context, 0, 0, Double(raster.width), Double(raster.height))
        cairo_fill(context)
        cairo_restore(context)
    }
}

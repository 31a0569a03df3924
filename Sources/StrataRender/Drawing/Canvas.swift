import CCairo
import StrataCore

/// One picture being drawn: a cairo surface of the requested format, its context, and the bytes
/// cairo's stream writer produced. Units are pixels for PNG and points for SVG and PDF; the
/// background is white. Every cairo failure becomes a `StrataError`.
final class Canvas {
    let width: Int
    let height: Int
    let format: PictureFormat
    private let sink = ByteSink()
    private let surface: OpaquePointer
    let context: OpaquePointer

    /// PDF creation and modification dates, fixed so that the same picture gives the same bytes.
    static let pdfDate = "2000-01-01T00:00:00"

    init(width: Int, height: Int, format: PictureFormat) throws {
        try RenderLimits.checkRaster(width: width, height: height, what: "picture")
        self.width = width
        self.height = height
        self.format = format
        let closure = Unmanaged.passUnretained(sink).toOpaque()
        switch format {
        case .png:
            surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))
        case .svg:
            surface = cairo_svg_surface_create_for_stream(byteSinkWrite, closure, Double(width), Double(height))
        case .pdf:
            surface = cairo_pdf_surface_create_for_stream(byteSinkWrite, closure, Double(width), Double(height))
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, Canvas.pdfDate)
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, Canvas.pdfDate)
        }
        context = cairo_create(surface)
        try Canvas.check(cairo_surface_status(surface), "creating a \(width)×\(height) \(format.rawValue) surface")
        try Canvas.check(cairo_status(context), "creating a drawing context")
        Typesetter.configure(context)
        cairo_set_source_rgb(context, 1, 1, 1)
        cairo_paint(context)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    /// Fills the axis-aligned rectangle.
    func fill(x: Double, y: Double, width: Double, height: Double, color: RGB) {
        guard width > 0, height > 0 else { return }
        let (r, g, b) = color.unit
        cairo_set_source_rgb(context, r, g, b)
        cairo_rectangle(context, x, y, width, height)
        cairo_fill(context)
    }

    /// Draws a one-unit frame just outside the rectangle (so it never covers it).
    func frame(x: Double, y: Double, width: Double, height: Double, color: RGB) {
        fill(x: x - 1, y: y - 1, width: width + 2, height: 1, color: color)
        fill(x: x - 1, y: y + height, width: width + 2, height: 1, color: color)
        fill(x: x - 1, y: y, width: 1, height: height, color: color)
        fill(x: x + width, y: y, width: 1, height: height, color: color)
    }

    /// Paints `raster` at its own size with its top-left corner at (`x`, `y`).
    func paint(_ raster: Raster, x: Int, y: Int) {
        cairo_save(context)
        cairo_set_source_surface(context, raster.surface, Double(x), Double(y))
        cairo_pattern_set_filter(cairo_get_source(context), CAIRO_FILTER_NEAREST)
        cairo_rectangle(context, Double(x), Double(y), Double(raster.width), Double(raster.height))
        cairo_fill(context)
        cairo_restore(context)
    }

    /// Ends drawing and returns the file's bytes; throws if cairo failed at any step.
    func finish() throws -> [UInt8] {
        try Canvas.check(cairo_status(context), "drawing the picture")
        switch format {
        case .png:
            cairo_surface_flush(surface)
            let status = cairo_surface_write_to_png_stream(surface, byteSinkWrite, Unmanaged.passUnretained(sink).toOpaque())
            try Canvas.check(status, "writing PNG")
        case .svg, .pdf:
            cairo_surface_finish(surface)
        }
        try Canvas.check(cairo_surface_status(surface), "writing \(format.rawValue.uppercased())")
        if sink.failed { throw StrataError(.io, "cairo wrote more than \(ByteSink.limit / (1024 * 1024)) MiB of \(format.rawValue.uppercased())") }
        return format == .svg ? SVGIdentifiers.renumbered(sink.bytes) : sink.bytes
    }

    /// Throws unless `status` is success, naming what cairo was doing.
    static func check(_ status: cairo_status_t, _ doing: String) throws {
        guard status != CAIRO_STATUS_SUCCESS else { return }
        let reason = String(cString: cairo_status_to_string(status))
        throw StrataError(.io, "cairo failed \(doing): \(reason)")
    }
}

/// The bytes cairo's stream writers hand over, up to `limit`.
final class ByteSink {
    /// More than any picture within `RenderLimits` needs (an uncompressed 64 M pixel RGB image
    /// is 192 MiB; PNG and PDF compress it).
    static let limit = 1 << 30
    var bytes: [UInt8] = []
    var failed = false

    func append(_ data: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count + data.count <= ByteSink.limit else {
            failed = true
            return false
        }
        bytes.append(contentsOf: data)
        return true
    }
}

/// cairo's write callback: appends to the `ByteSink` passed as closure.
private let byteSinkWrite: cairo_write_func_t = { closure, data, length in
    guard let closure else { return CAIRO_STATUS_WRITE_ERROR }
    let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
    let ok = sink.append(UnsafeBufferPointer(start: data, count: Int(length)))
    return ok ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR
}

import CCairo
import StrataCore

/// A text size and weight, in layout units (pixels for PNG).
struct Font: Hashable {
    var size: Double
    var bold = false

    static let title = Font(size: 15, bold: true)
    static let subtitle = Font(size: 12)
    static let label = Font(size: 11)
}

/// How a line of text sits on its anchor point.
enum TextAlign {
    case left, center, right
}

/// Text through cairo's toy font API in "DejaVu Sans" (Debian `fonts-dejavu-core`), with the font
/// options fixed (grey antialiasing, no hinting, unhinted metrics) so that the machine's fontconfig
/// settings change neither the layout nor the bytes. Measures text for layouts on a scratch surface
/// configured like every canvas.
final class Typesetter {
    static let family = "DejaVu Sans"
    private let surface: OpaquePointer
    private let context: OpaquePointer

    init() throws {
        surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1)
        context = cairo_create(surface)
        try Canvas.check(cairo_status(context), "creating a text measuring context")
        Typesetter.configure(context)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    /// Applies the fixed font options and DejaVu Sans to a context.
    static func configure(_ context: OpaquePointer) {
        let options = cairo_font_options_create()
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_font_options_set_subpixel_order(options, CAIRO_SUBPIXEL_ORDER_DEFAULT)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_set_font_options(context, options)
        cairo_font_options_destroy(options)
        select(context, .label)
    }

    static func select(_ context: OpaquePointer, _ font: Font) {
        cairo_select_font_face(context, family, CAIRO_FONT_SLANT_NORMAL, font.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, font.size)
    }

    /// The advance width of `text`.
    func width(_ text: String, _ font: Font) -> Double {
        Typesetter.select(context, font)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, Typesetter.printable(text), &extents)
        return extents.x_advance
    }

    /// The widest advance among `texts` (0 for none).
    func maxWidth(_ texts: [String], _ font: Font) -> Double {
        texts.reduce(0) { max($0, width($1, font)) }
    }

    /// The font's ascent (above the baseline) and descent (below), rounded up to whole units.
    func lineMetrics(_ font: Font) -> (ascent: Int, descent: Int) {
        Typesetter.select(context, font)
        var extents = cairo_font_extents_t()
        cairo_font_extents(context, &extents)
        return (Int(extents.ascent.rounded(.up)), Int(extents.descent.rounded(.up)))
    }

    /// A line's height: ascent plus descent.
    func lineHeight(_ font: Font) -> Int {
        let m = lineMetrics(font)
        return m.ascent + m.descent
    }

    /// `text`, shortened with "…" until it is at most `maxWidth` wide.
    func fitted(_ text: String, _ font: Font, maxWidth: Double) -> String {
        if width(text, font) <= maxWidth { return text }
        var characters = Array(text)
        while !characters.isEmpty {
            characters.removeLast()
            let candidate = String(characters) + "…"
            if width(candidate, font) <= maxWidth { return candidate }
        }
        return ""
    }

    /// The family cairo's font backend resolved for DejaVu Sans on this machine (nil when it is not
    /// a FreeType font); tests check it is DejaVu Sans, so a missing font package is named.
    func resolvedFamily() -> String? {
        Typesetter.select(context, .label)
        guard let font = cairo_get_scaled_font(context) else { return nil }
        var buffer = [CChar](repeating: 0, count: 256)
        guard strata_cairo_ft_family(font, &buffer, buffer.count) != 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `text` with control characters (which fonts draw as boxes) replaced by spaces.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }
}

extension Canvas {
    /// Draws one line of text with its baseline at `y`, aligned on `x`; `vertical` turns it a
    /// quarter turn counter-clockwise about (`x`, `y`) (reading bottom to top).
    func text(_ text: String, x: Double, y: Double, font: Font, color: RGB = .black, align: TextAlign = .left, vertical: Bool = false) {
        let line = Typesetter.printable(text)
        Typesetter.select(context, font)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, line, &extents)
        let shift: Double
        switch align {
        case .left: shift = 0
        case .center: shift = -extents.x_advance / 2
        case .right: shift = -extents.x_advance
        }
        cairo_save(context)
        cairo_translate(context, x, y)
        if vertical { cairo_rotate(context, -Double.pi / 2) }
        let (r, g, b) = color.unit
        cairo_set_source_rgb(context, r, g, b)
        cairo_move_to(context, shift, 0)
        cairo_show_text(context, line)
        cairo_restore(context)
    }
}

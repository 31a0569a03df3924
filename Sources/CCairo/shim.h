#ifndef STRATA_CCAIRO_SHIM_H
#define STRATA_CCAIRO_SHIM_H
#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo-ft.h>
#include <stdio.h>

// The family name of the font file cairo's FreeType backend resolved for `font` (e.g. "DejaVu Sans"),
// copied into `buffer`; returns 0 when the font is not a FreeType font. FT_FaceRec's fields are
// reachable from C only, and the face must be locked while they are read.
static inline int strata_cairo_ft_family(cairo_scaled_font_t *font, char *buffer, size_t size) {
    if (size == 0 || cairo_scaled_font_get_type(font) != CAIRO_FONT_TYPE_FT) return 0;
    FT_Face face = cairo_ft_scaled_font_lock_face(font);
    if (face == NULL) return 0;
    snprintf(buffer, size, "%s", face->family_name ? face->family_name : "");
    cairo_ft_scaled_font_unlock_face(font);
    return 1;
}
#endif

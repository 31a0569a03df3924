// Helpers shared by the PNG and JPEG decoders (private to CImageCodecs).
#ifndef STRATA_IMAGE_COMMON_H
#define STRATA_IMAGE_COMMON_H

#include "CImageCodecs.h"

/// Copies `text` into `out->message` (truncated to fit).
void strata_image_set_message(strata_image *out, const char *text);

/// Appends `text` as one line to `out->warnings`, dropping what does not fit.
void strata_image_add_warning(strata_image *out, const char *text);

/// True when a width × height image is beyond the limits (either side, or the pixel count).
int strata_image_exceeds(const strata_image_limits *limits, uint64_t width, uint64_t height);

#endif

#include "image_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strata_image_set_message(strata_image *out, const char *text) {
    snprintf(out->message, sizeof out->message, "%s", text);
}

void strata_image_add_warning(strata_image *out, const char *text) {
    size_t used = strlen(out->warnings);
    size_t room = sizeof out->warnings - used;
    if (room > 1) {
        snprintf(out->warnings + used, room, "%s\n", text);
    }
}

int strata_image_exceeds(const strata_image_limits *limits, uint64_t width, uint64_t height) {
    if (width == 0 || height == 0) {
        return 0;  // the library reports an empty image as corrupt
    }
    if (width > limits->max_side || height > limits->max_side) {
        return 1;
    }
    // Both sides fit in 32 bits, so the product cannot overflow 64 bits.
    return width * height > limits->max_pixels;
}

void strata_image_free(strata_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}

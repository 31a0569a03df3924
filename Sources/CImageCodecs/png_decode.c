#include "image_common.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/// The file in memory and where libpng has read up to; also where messages go.
typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    strata_image *out;
} png_memory_source;

static void png_fail(png_structp png, png_const_charp message) {
    png_memory_source *source = png_get_error_ptr(png);
    strata_image_set_message(source->out, message);
    png_longjmp(png, 1);
}

static void png_warn(png_structp png, png_const_charp message) {
    png_memory_source *source = png_get_error_ptr(png);
    strata_image_add_warning(source->out, message);
}

static void png_read_memory(png_structp png, png_bytep destination, size_t length) {
    png_memory_source *source = png_get_io_ptr(png);
    if (length > source->size - source->offset) {
        png_error(png, "unexpected end of file (truncated)");
    }
    memcpy(destination, source->data + source->offset, length);
    source->offset += length;
}

static uint32_t big_endian32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

strata_image_status strata_png_decode(
    const uint8_t *data, size_t size, const strata_image_limits *limits, strata_image *out) {
    memset(out, 0, sizeof *out);

    // IHDR must be the first chunk, so its size can be checked before libpng allocates
    // anything for the image; libpng's user limits below are a second guard.
    if (size >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
        uint32_t width = big_endian32(data + 16), height = big_endian32(data + 20);
        if (strata_image_exceeds(limits, width, height)) {
            out->width = width;
            out->height = height;
            return STRATA_IMAGE_TOO_LARGE;
        }
    }

    png_memory_source source = {data, size, 0, out};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, png_fail, png_warn);
    if (!png) {
        strata_image_set_message(out, "out of memory");
        return STRATA_IMAGE_NO_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        strata_image_set_message(out, "out of memory");
        return STRATA_IMAGE_NO_MEMORY;
    }
    // Assigned after setjmp and read after a longjmp, hence volatile.
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(pixels);
        png_destroy_read_struct(&png, &info, NULL);
        return STRATA_IMAGE_CORRUPT;
    }

    png_set_user_limits(png, limits->max_side, limits->max_side);
    png_set_chunk_cache_max(png, 256);
    png_set_chunk_malloc_max(png, (png_alloc_size_t)limits->max_library_bytes);
    png_set_read_fn(png, &source, png_read_memory);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, colour_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &colour_type, &interlace, NULL, NULL);
    out->width = width;
    out->height = height;
    out->bit_depth = (uint32_t)bit_depth;
    out->interlaced = interlace != PNG_INTERLACE_NONE;
    out->has_transparency = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    if (strata_image_exceeds(limits, width, height)) {
        png_destroy_read_struct(&png, &info, NULL);
        return STRATA_IMAGE_TOO_LARGE;
    }

    switch (colour_type) {
    case PNG_COLOR_TYPE_GRAY:
        out->colour = STRATA_COLOUR_GREY;
        if (bit_depth < 8) {
            png_set_expand_gray_1_2_4_to_8(png);  // 0/255, ×85, ×17: Pillow's "1", "L;2", "L;4"
        }
        break;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
        out->colour = STRATA_COLOUR_GREY_ALPHA;
        break;
    case PNG_COLOR_TYPE_RGB:
        out->colour = STRATA_COLOUR_RGB;
        break;
    case PNG_COLOR_TYPE_RGB_ALPHA:
        out->colour = STRATA_COLOUR_RGBA;
        break;
    case PNG_COLOR_TYPE_PALETTE:
        out->colour = STRATA_COLOUR_PALETTE;
        // Indices past the palette's end come out black, as in Pillow.
        png_set_palette_to_rgb(png);
        break;
    default:
        png_destroy_read_struct(&png, &info, NULL);
        strata_image_set_message(out, "unknown PNG colour type");
        return STRATA_IMAGE_UNSUPPORTED;
    }
    if (bit_depth == 16) {
        png_set_strip_16(png);  // the high byte, as Pillow's "RGB;16B"/"LA;16B" unpackers keep
    }
    // png_set_palette_to_rgb also turns a tRNS chunk into alpha; alpha is dropped in every case
    // (Pillow's convert("RGB") discards it without compositing).
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    png_byte channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if ((channels != 1 && channels != 3) || png_get_bit_depth(png, info) != 8 || row_bytes != (size_t)width * channels) {
        png_destroy_read_struct(&png, &info, NULL);
        strata_image_set_message(out, "PNG layout not reduced to 8-bit grey or RGB");
        return STRATA_IMAGE_UNSUPPORTED;
    }
    out->channels = channels;

    // width × height is within max_pixels (checked above), so these products fit in size_t.
    pixels = malloc(row_bytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) {
        free(rows);
        free(pixels);
        png_destroy_read_struct(&png, &info, NULL);
        strata_image_set_message(out, "out of memory");
        return STRATA_IMAGE_NO_MEMORY;
    }
    for (png_uint_32 y = 0; y < height; y++) {
        rows[y] = pixels + (size_t)y * row_bytes;
    }
    png_read_image(png, rows);
    // Chunks after the image data (and IEND) are not read: Pillow does not require them either.

    free(rows);
    out->pixels = pixels;
    png_destroy_read_struct(&png, &info, NULL);
    return STRATA_IMAGE_OK;
}

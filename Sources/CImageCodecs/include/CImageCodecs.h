// PNG and JPEG decoding for StrataImage, in C because libpng and libjpeg report errors with
// setjmp/longjmp, which must never unwind Swift frames. Every function here owns its jmp_buf,
// turns each library error into a returned status and message, and returns normally.
//
// Pixels come out as 8-bit grey (1 channel) or RGB (3 channels), converted the way Pillow's
// Image.open(f).convert("RGB"/"L") would for that source (see Docs/Images.md):
// palettes expanded, alpha dropped, 16-bit samples reduced to their high byte, 1/2/4-bit grey
// scaled to 0...255, Adobe-inverted CMYK/YCCK JPEGs converted with Pillow's cmyk2rgb formula.
#ifndef STRATA_IMAGE_CODECS_H
#define STRATA_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

/// Limits checked against a file's header before anything is allocated for its pixels.
typedef struct {
    /// Largest accepted width or height.
    uint32_t max_side;
    /// Largest accepted width × height.
    uint64_t max_pixels;
    /// Largest block of memory the library itself may use: libpng's largest chunk
    /// (png_set_chunk_malloc_max), libjpeg's max_memory_to_use.
    uint64_t max_library_bytes;
} strata_image_limits;

/// What a decode call returned.
typedef enum {
    STRATA_IMAGE_OK = 0,
    /// The library rejected the data (truncated, bad CRC, bad Huffman code…); `message` says why.
    STRATA_IMAGE_CORRUPT = 1,
    /// The header claims more pixels than the limits allow; `width` and `height` are set.
    STRATA_IMAGE_TOO_LARGE = 2,
    /// Well formed but not a kind of image this decoder handles; `message` says which.
    STRATA_IMAGE_UNSUPPORTED = 3,
    /// An allocation failed.
    STRATA_IMAGE_NO_MEMORY = 4,
} strata_image_status;

/// The colour model of the file as stored (before conversion to grey or RGB).
typedef enum {
    STRATA_COLOUR_GREY = 1,
    STRATA_COLOUR_GREY_ALPHA = 2,
    STRATA_COLOUR_RGB = 3,
    STRATA_COLOUR_RGBA = 4,
    STRATA_COLOUR_PALETTE = 5,
    /// JPEG with four components (CMYK or YCCK), stored Adobe-inverted as Pillow assumes.
    STRATA_COLOUR_CMYK = 6,
} strata_image_colour;

/// A decoded image and what the file was.
typedef struct {
    uint32_t width;
    uint32_t height;
    /// Channels in `pixels`: 1 (grey) or 3 (RGB).
    uint32_t channels;
    /// Bits per sample in the file (1, 2, 4, 8 or 16).
    uint32_t bit_depth;
    strata_image_colour colour;
    /// PNG: the file has a tRNS chunk (ignored, as Pillow's convert ignores it).
    int has_transparency;
    /// PNG Adam7 interlacing or progressive JPEG.
    int interlaced;
    /// JPEG: the four components are YCCK (converted to CMYK by libjpeg).
    int ycck;
    /// width × height × channels bytes, row-major; release with strata_image_free.
    uint8_t *pixels;
    /// Why decoding failed, when the status is not STRATA_IMAGE_OK.
    char message[256];
    /// Library warnings that did not stop decoding, one per line (truncated when long).
    char warnings[512];
} strata_image;

/// Decodes a whole PNG file held in memory.
strata_image_status strata_png_decode(
    const uint8_t *data, size_t size, const strata_image_limits *limits, strata_image *out);

/// Decodes a whole JPEG file held in memory (JDCT_ISLOW, fancy upsampling, as Pillow decodes).
strata_image_status strata_jpeg_decode(
    const uint8_t *data, size_t size, const strata_image_limits *limits, strata_image *out);

/// Frees the pixels of an image a decode call filled in; safe to call more than once.
void strata_image_free(strata_image *image);

#endif

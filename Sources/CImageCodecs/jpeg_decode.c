#include "image_common.h"

#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

/// libjpeg's error manager extended with the place to jump back to and where messages go.
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    strata_image *out;
    strata_image_status status;
} jpeg_errors;

/// Status for a fatal libjpeg message: a few codes mean "valid but not handled", the rest corrupt.
static strata_image_status jpeg_status_for(int code) {
    switch (code) {
    case JERR_BAD_PRECISION:
    case JERR_NOT_COMPILED:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOTIMPL:
    case JERR_IMAGE_TOO_BIG:
        return STRATA_IMAGE_UNSUPPORTED;
    case JERR_OUT_OF_MEMORY:
    case JERR_NO_BACKING_STORE:
        return STRATA_IMAGE_NO_MEMORY;
    default:
        return STRATA_IMAGE_CORRUPT;
    }
}

static void jpeg_fail(j_common_ptr cinfo) {
    jpeg_errors *errors = (jpeg_errors *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    strata_image_set_message(errors->out, text);
    errors->status = jpeg_status_for(cinfo->err->msg_code);
    longjmp(errors->jump, 1);
}

/// Warnings (level -1) mean libjpeg is making up data (premature end of file, bad Huffman code…)
/// and stop decoding, except extraneous bytes between markers, which lose nothing. Trace
/// messages (level ≥ 0) are ignored.
static void jpeg_message(j_common_ptr cinfo, int level) {
    if (level >= 0) {
        return;
    }
    jpeg_errors *errors = (jpeg_errors *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    if (cinfo->err->msg_code == JWRN_EXTRANEOUS_DATA) {
        strata_image_add_warning(errors->out, text);
        return;
    }
    strata_image_set_message(errors->out, text);
    errors->status = STRATA_IMAGE_CORRUPT;
    longjmp(errors->jump, 1);
}

/// One row of libjpeg's CMYK output to RGB as Pillow gets it: Pillow reads CMYK JPEGs with
/// raw mode "CMYK;I" (every sample inverted, Adobe's convention) and converts with cmyk2rgb,
/// r = clip(nk − nk·c/255) with nk = 255 − k and its MULDIV255 rounding.
static void cmyk_row_to_rgb(const uint8_t *in, uint8_t *out, uint32_t width) {
    for (uint32_t x = 0; x < width; x++, in += 4, out += 3) {
        int nk = in[3];  // 255 − (255 − k): the inverted K, subtracted from 255
        for (int c = 0; c < 3; c++) {
            int t = (255 - in[c]) * nk + 128;
            int v = nk - (((t >> 8) + t) >> 8);
            out[c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

strata_image_status strata_jpeg_decode(
    const uint8_t *data, size_t size, const strata_image_limits *limits, strata_image *out) {
    memset(out, 0, sizeof *out);
    if (size > ULONG_MAX) {
        strata_image_set_message(out, "file too large for libjpeg");
        return STRATA_IMAGE_UNSUPPORTED;
    }

    struct jpeg_decompress_struct cinfo;
    jpeg_errors errors;
    memset(&errors, 0, sizeof errors);
    cinfo.err = jpeg_std_error(&errors.base);
    errors.base.error_exit = jpeg_fail;
    errors.base.emit_message = jpeg_message;
    errors.out = out;
    errors.status = STRATA_IMAGE_CORRUPT;
    // Assigned after setjmp and read after a longjmp, hence volatile.
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile cmyk_row = NULL;
    volatile int created = 0;
    if (setjmp(errors.jump)) {
        free(cmyk_row);
        free(pixels);
        if (created) {
            jpeg_destroy_decompress(&cinfo);
        }
        return errors.status;
    }
    jpeg_create_decompress(&cinfo);
    created = 1;
    // libjpeg-turbo's memory manager refuses (JERR_NO_BACKING_STORE) past this budget, which bounds
    // the coefficient buffers of progressive files.
    cinfo.mem->max_memory_to_use = (long)(limits->max_library_bytes > LONG_MAX ? LONG_MAX : limits->max_library_bytes);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    out->width = cinfo.image_width;
    out->height = cinfo.image_height;
    out->bit_depth = (uint32_t)cinfo.data_precision;
    out->interlaced = cinfo.progressive_mode != 0;
    if (strata_image_exceeds(limits, cinfo.image_width, cinfo.image_height)) {
        jpeg_destroy_decompress(&cinfo);
        return STRATA_IMAGE_TOO_LARGE;
    }
    switch (cinfo.num_components) {
    case 1:
        out->colour = STRATA_COLOUR_GREY;
        cinfo.out_color_space = JCS_GRAYSCALE;
        break;
    case 3:
        out->colour = STRATA_COLOUR_RGB;
        cinfo.out_color_space = JCS_RGB;
        break;
    case 4:
        out->colour = STRATA_COLOUR_CMYK;
        out->ycck = cinfo.jpeg_color_space == JCS_YCCK;
        cinfo.out_color_space = JCS_CMYK;  // libjpeg converts YCCK to CMYK
        break;
    default: {
        char text[64];
        snprintf(text, sizeof text, "JPEG with %d colour components", cinfo.num_components);
        strata_image_set_message(out, text);
        jpeg_destroy_decompress(&cinfo);
        return STRATA_IMAGE_UNSUPPORTED;
    }
    }
    // libjpeg's defaults, which Pillow keeps when it does not draft: accurate integer IDCT and
    // triangular ("fancy") chroma upsampling.
    cinfo.dct_method = JDCT_ISLOW;
    cinfo.do_fancy_upsampling = TRUE;
    jpeg_start_decompress(&cinfo);

    uint32_t width = cinfo.output_width, height = cinfo.output_height;
    uint32_t channels = cinfo.num_components == 4 ? 3 : (uint32_t)cinfo.num_components;
    if ((uint32_t)cinfo.output_components != (uint32_t)cinfo.num_components || width != out->width || height != out->height) {
        strata_image_set_message(out, "libjpeg output does not match the header");
        errors.status = STRATA_IMAGE_UNSUPPORTED;
        longjmp(errors.jump, 1);
    }
    out->channels = channels;
    size_t row_bytes = (size_t)width * channels;
    // width × height is within max_pixels (checked above), so these products fit in size_t.
    pixels = malloc(row_bytes * height);
    if (cinfo.num_components == 4) {
        cmyk_row = malloc((size_t)width * 4);
    }
    if (!pixels || (cinfo.num_components == 4 && !cmyk_row)) {
        strata_image_set_message(out, "out of memory");
        errors.status = STRATA_IMAGE_NO_MEMORY;
        longjmp(errors.jump, 1);
    }
    while (cinfo.output_scanline < height) {
        uint8_t *row = pixels + (size_t)cinfo.output_scanline * row_bytes;
        JSAMPROW target = cmyk_row ? cmyk_row : row;
        if (jpeg_read_scanlines(&cinfo, &target, 1) != 1) {
            // A memory source never suspends; stop rather than loop if libjpeg returns no row.
            strata_image_set_message(out, "libjpeg returned no scanline");
            longjmp(errors.jump, 1);
        }
        if (cmyk_row) {
            cmyk_row_to_rgb(cmyk_row, row, width);
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(cmyk_row);
    out->pixels = pixels;
    return STRATA_IMAGE_OK;
}

#ifndef STRATA_WINDOW_BORDER_H
#define STRATA_WINDOW_BORDER_H

// Internal helpers shared by the depthwise and pooling planes: a copy of the input plane inside a
// border wide enough that every window tap of every output lands inside it, so the hot loops
// need no bounds checks. The border is filled once per geometry (0 for sums, -inf for maxima) and
// never written again; each plane only copies its input rows in.

#include <stdint.h>
#include <string.h>
#include "CStrataKernels.h"

// Rows and columns of the bordered copy: every tap of every output, with the output width
// rounded up to 8 (stride-2 vector loads read 16 values for 8 outputs, one past the last even one).
static inline void strata_padded_extent(const strata_window2d *g, int *rows, int *cols) {
    const int out_w8 = (g->out_w + 7) / 8 * 8;
    *rows = (g->out_h - 1) * g->stride_h + (g->kernel_h - 1) * g->dilation_h + 1;
    *cols = (out_w8 - 1) * g->stride_w + (g->kernel_w - 1) * g->dilation_w + 2;
}

// The first cache-line boundary at or after `p` (at most 15 floats on; scratch sizes allow for it).
static inline float *strata_cache_line(float *p) {
    return (float *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
}

// Rows and columns of the zero-bordered, channel-interleaved input of strata_depthwise8: exactly
// the taps of every output (its vectors run across channels, so no width rounding).
static inline void strata_interleaved_extent(const strata_window2d *g, int *rows, int *cols) {
    *rows = (g->out_h - 1) * g->stride_h + (g->kernel_h - 1) * g->dilation_h + 1;
    *cols = (g->out_w - 1) * g->stride_w + (g->kernel_w - 1) * g->dilation_w + 1;
}

// The scratch of strata_depthwise8 (strata_depthwise8_scratch floats) laid out for `lanes` channels
// a pixel (8, or 16 in the AVX-512 tier): the bordered copy (from a cache line: vectors misaligned
// by the allocator's 16 bytes straddled two lines each, 960 × 7 × 7 0.041 → 0.035 ms), the
// interleaved output, the taps and the two pixel tables.
typedef struct {
    int rows, cols;
    float *padded, *out, *wt;
    int32_t *in_index, *out_offset;
} strata_interleaved_layout;

// Lays out `scratch` and does what does not depend on the channels, once per call: zeroes the
// copy's border (blocks only write its interior), and builds the table of where each input pixel
// goes in the copy (−1: a pixel no tap reads) for inputs narrower than `table_width`, and that of
// each output pixel's first tap for outputs narrower than it. Pixel indices, not float offsets:
// the scratch would need 64 GB before they overflowed.
static inline void strata_interleaved_prepare(const strata_window2d *g, int lanes, int table_width, float *scratch,
                                              strata_interleaved_layout *l) {
    strata_interleaved_extent(g, &l->rows, &l->cols);
    const int rows = l->rows, cols = l->cols;
    const size_t out_n = (size_t)g->out_h * g->out_w, in_n = (size_t)g->in_h * g->in_w;
    l->padded = strata_cache_line(scratch);
    l->out = l->padded + (size_t)lanes * rows * cols;
    l->wt = l->out + (size_t)lanes * out_n;
    l->in_index = (int32_t *)(l->wt + (size_t)lanes * g->kernel_h * g->kernel_w);
    l->out_offset = l->in_index + in_n;
    const int top = g->pad_top < rows ? g->pad_top : rows;
    const int bottom = g->pad_top + g->in_h < rows ? g->pad_top + g->in_h : rows;
    const int left = g->pad_left < cols ? g->pad_left : cols;
    const int right = g->pad_left + g->in_w < cols ? g->pad_left + g->in_w : cols;
    float *padded = l->padded;
    memset(padded, 0, sizeof(float) * lanes * (size_t)top * cols);
    memset(padded + (size_t)lanes * bottom * cols, 0, sizeof(float) * lanes * (size_t)(rows - bottom) * cols);
    for (int r = top; r < bottom; r++) {
        memset(padded + (size_t)lanes * r * cols, 0, sizeof(float) * lanes * (size_t)left);
        memset(padded + (size_t)lanes * ((size_t)r * cols + right), 0, sizeof(float) * lanes * (size_t)(cols - right));
    }
    if (g->in_w < table_width) {
        for (int ih = 0, q = 0; ih < g->in_h; ih++) {
            for (int iw = 0; iw < g->in_w; iw++, q++) {
                const int r = ih + g->pad_top, col = iw + g->pad_left;
                l->in_index[q] = r < rows && col < cols ? r * cols + col : -1;
            }
        }
    }
    if (g->out_w < table_width) {
        for (int oh = 0, p = 0; oh < g->out_h; oh++) {
            for (int ow = 0; ow < g->out_w; ow++, p++) l->out_offset[p] = oh * g->stride_h * cols + ow * g->stride_w;
        }
    }
}

// Copies the input rows and columns that fall inside the bordered copy.
static inline void strata_copy_into_border(const float *x, const strata_window2d *g, int rows, int cols, float *padded) {
    const int lo = g->pad_left < cols ? g->pad_left : cols;
    const int hi = g->pad_left + g->in_w < cols ? g->pad_left + g->in_w : cols;
    for (int r = g->pad_top > 0 ? g->pad_top : 0; r < rows && r - g->pad_top < g->in_h; r++) {
        float *dst = padded + (size_t)r * cols;
        const float *src = x + (size_t)(r - g->pad_top) * g->in_w;
        for (int c = lo; c < hi; c++) dst[c] = src[c - g->pad_left];
    }
}

#endif

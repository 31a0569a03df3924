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

// The AVX-512 depthwise plane's layout at stride 2 (depthwise512.c): the zero-bordered input P cut
// into four phase planes: plane (pr, pc) holds P[2a + pr][2b + pc] for a < rows, b < cols, with
// rows = out_h + (kernel_h − 1) / 2 and cols = out_w + (kernel_w − 1) / 2. Tap (kh, kw) of output
// (r, j) is then plane (kh % 2, kw % 2) at (r + kh / 2, j + kw / 2): every tap a unit-stride read.

static inline void strata_phase_extent(const strata_window2d *g, int *rows, int *cols, size_t *plane) {
    *rows = g->out_h + (g->kernel_h - 1) / 2;
    *cols = g->out_w + (g->kernel_w - 1) / 2;
    *plane = (size_t)*rows * (size_t)*cols;
}

// Floats of the four planes (0 for other strides, which do not use them).
static inline size_t strata_phase_scratch(const strata_window2d *g) {
    if (g->stride_h != 2) return 0;
    int rows, cols;
    size_t plane;
    strata_phase_extent(g, &rows, &cols, &plane);
    return 4 * plane;
}

#endif

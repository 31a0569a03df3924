// Scratch sizes and clearing for the kernels' private buffers: plain arithmetic, the same in every tier.

#include "CStrataKernels.h"
#include "window_border.h"
#include "conv_direct_layout.h"

size_t strata_depthwise_scratch(const strata_window2d *g) {
    int rows, cols;
    strata_padded_extent(g, &rows, &cols);
    // The 8-lane tiers' bordered copy; the AVX-512 tier reads its first in_w floats (never more
    // than cols) as the zero rows outside the input.
    return (size_t)rows * cols + (size_t)(g->out_w + 7) / 8 * 8;
}

void strata_depthwise_prepare(const strata_window2d *g, float *scratch) {
    memset(scratch, 0, sizeof(float) * strata_depthwise_scratch(g));
}

size_t strata_depthwise8_scratch(const strata_window2d *g) {
    int rows, cols;
    strata_interleaved_extent(g, &rows, &cols);
    // The bordered copy, the interleaved output, the taps, then the two pixel tables (int32, one
    // float each); in sixteen lanes, the AVX-512 tier's (the 8-lane tiers use the first half); and
    // 16 floats more, so that the kernels can start the copy on a cache line.
    const size_t in_n = (size_t)g->in_h * g->in_w, out_n = (size_t)g->out_h * g->out_w;
    return 16 * ((size_t)rows * cols + out_n + (size_t)g->kernel_h * g->kernel_w) + in_n + out_n + 16;
}

size_t strata_conv_direct_scratch(const strata_window2d *g, int channels) {
    strata_direct_layout layout;
    strata_direct_layout_of(g, channels, &layout);
    return layout.floats;
}

size_t strata_winograd_scratch(const strata_window2d *g, int tile_rows) {
    const size_t tiles_w = ((size_t)g->out_w + 3) / 4;
    const size_t input = (4 * (size_t)tile_rows + 2) * (4 * tiles_w + 2), output = 4 * (size_t)tile_rows * g->out_w;
    return 8 * (input > output ? input : output);
}

size_t strata_pool2d_scratch(const strata_window2d *g) {
    int rows, cols;
    strata_padded_extent(g, &rows, &cols);
    return (size_t)rows * cols + (size_t)(g->out_w + 7) / 8 * 8;
}

void strata_pool2d_prepare(const strata_window2d *g, float fill, float *scratch) {
    const size_t n = strata_pool2d_scratch(g);
    for (size_t i = 0; i < n; i++) scratch[i] = fill;
}

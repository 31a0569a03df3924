#ifndef STRATA_POOL2D_KERNELS_H
#define STRATA_POOL2D_KERNELS_H

// Tier template (see tier_kernels.h): 2-D max and average pooling planes.

#include "CStrataKernels.h"
#include "vec8.h"
#include "window_border.h"

// One output row: the maximum (is_max) or the sum of the window taps, over the bordered copy.
V8 void pool_row(
    const float *top, size_t cols, const strata_window2d *g, int out_w8, float *dst, const int is_max, const int stride) {
    const int kh_n = g->kernel_h, kw_n = g->kernel_w, dh = g->dilation_h, dw = g->dilation_w;
    int ow = 0;
    if (stride == 1 || stride == 2) {
        for (; ow < out_w8; ow += 8) {
            v8f a0 = v8_set1(is_max ? -INFINITY : 0.0f), a1 = a0;
            for (int kh = 0; kh < kh_n; kh++) {
                const float *src = top + (size_t)kh * dh * cols + (size_t)ow * stride;
                int kw = 0;
                for (; kw + 2 <= kw_n; kw += 2) {
                    const v8f v0 = v8_load_every(src + kw * dw, stride), v1 = v8_load_every(src + (kw + 1) * dw, stride);
                    a0 = is_max ? v8_max(a0, v0) : v8_add(a0, v0);
                    a1 = is_max ? v8_max(a1, v1) : v8_add(a1, v1);
                }
                if (kw < kw_n) {
                    const v8f v0 = v8_load_every(src + kw * dw, stride);
                    a0 = is_max ? v8_max(a0, v0) : v8_add(a0, v0);
                }
            }
            v8_store(dst + ow, is_max ? v8_max(a0, a1) : v8_add(a0, a1));
        }
        return;
    }
    for (; ow < g->out_w; ow++) {
        float acc = is_max ? -INFINITY : 0.0f;
        for (int kh = 0; kh < kh_n; kh++) {
            const float *src = top + (size_t)kh * dh * cols + (size_t)ow * stride;
            for (int kw = 0; kw < kw_n; kw++) {
                const float v = src[kw * dw];
                acc = is_max ? (v > acc ? v : acc) : acc + v;
            }
        }
        dst[ow] = acc;
    }
}

V8 void pool_plane(
    const float *x, const strata_window2d *g, const float *row_scale, const float *col_scale, float *y, float *scratch,
    const int is_max) {
    int rows, cols;
    strata_padded_extent(g, &rows, &cols);
    float *padded = scratch, *row_out = scratch + (size_t)rows * cols;
    strata_copy_into_border(x, g, rows, cols, padded);
    const int out_w8 = (g->out_w + 7) / 8 * 8;
    for (int oh = 0; oh < g->out_h; oh++) {
        const float *top = padded + (size_t)oh * g->stride_h * cols;
        if (g->stride_w == 1) {
            pool_row(top, cols, g, out_w8, row_out, is_max, 1);
        } else if (g->stride_w == 2) {
            pool_row(top, cols, g, out_w8, row_out, is_max, 2);
        } else {
            pool_row(top, cols, g, out_w8, row_out, is_max, g->stride_w);
        }
        float *y_row = y + (size_t)oh * g->out_w;
        if (is_max) {
            for (int ow = 0; ow < g->out_w; ow++) y_row[ow] = row_out[ow];
        } else {
            const float rs = row_scale[oh];
            for (int ow = 0; ow < g->out_w; ow++) y_row[ow] = row_out[ow] * (rs * col_scale[ow]);
        }
    }
}

static void tier_maxpool2d_plane(const float *x, const strata_window2d *g, float *y, float *scratch) {
    pool_plane(x, g, 0, 0, y, scratch, 1);
}

static void tier_avgpool2d_plane(const float *x, const strata_window2d *g, const float *row_scale,
                                 const float *col_scale, float *y, float *scratch) {
    pool_plane(x, g, row_scale, col_scale, y, scratch, 0);
}

#endif

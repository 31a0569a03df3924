#ifndef STRATA_CONV2D_KERNELS_H
#define STRATA_CONV2D_KERNELS_H

// Tier template (see tier_kernels.h): im2col/col2im and the direct depthwise convolutions.

#include "CStrataKernels.h"
#include "math8.h"
#include "vec8.h"
#include "window_border.h"

// Output columns [*lo, *hi) whose input column ow·stride + offset lies inside [0, width).
static inline void valid_columns(int offset, int stride, int width, int out_w, int *lo, int *hi) {
    int l = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    int h = width - 1 - offset < 0 ? 0 : (width - 1 - offset) / stride + 1;
    if (h > out_w) h = out_w;
    if (l > h) l = h;
    *lo = l;
    *hi = h;
}

static void tier_im2col_2d(const float *x, const strata_window2d *g, int r_begin, int r_end, int oh_begin, int oh_end,
                           float *col) {
    const int kk = g->kernel_h * g->kernel_w;
    const size_t plane = (size_t)g->in_h * g->in_w;
    const size_t out_size = (size_t)(oh_end - oh_begin) * g->out_w;
    for (int r = r_begin; r < r_end; r++) {
        const int c = r / kk, kh = (r / g->kernel_w) % g->kernel_h, kw = r % g->kernel_w;
        const float *xc = x + c * plane;
        float *dst = col + (size_t)r * out_size;
        const int offset = kw * g->dilation_w - g->pad_left;
        int lo, hi;
        valid_columns(offset, g->stride_w, g->in_w, g->out_w, &lo, &hi);
        if (g->stride_h == 1 && g->stride_w == 1 && g->in_w == g->out_w) {
            // Equal widths: output row oh reads input row oh + dh, so the rows inside the input are
            // one run of it shifted by dh·W + offset. One copy instead of one per row (a 7 × 7 map's
            // rows are 7 values, and the calls cost more than the copying), then the columns that
            // came from the neighbouring row, or lay outside the plane, are zeroed.
            const int w = g->out_w, dh = kh * g->dilation_h - g->pad_top;
            int first = oh_begin > -dh ? oh_begin : -dh, last = oh_end < g->in_h - dh ? oh_end : g->in_h - dh;
            if (first > oh_end) first = oh_end;
            if (last < first) last = first;
            if (first > oh_begin) memset(dst, 0, sizeof(float) * (size_t)(first - oh_begin) * w);
            if (last < oh_end) memset(dst + (size_t)(last - oh_begin) * w, 0, sizeof(float) * (size_t)(oh_end - last) * w);
            if (first < last) {
                const ptrdiff_t shift = (ptrdiff_t)dh * w + offset;
                ptrdiff_t from = (ptrdiff_t)first * w, to = (ptrdiff_t)last * w;
                if (from + shift < 0) from = -shift;
                if (to + shift > (ptrdiff_t)plane) to = (ptrdiff_t)plane - shift;
                if (from < to) memcpy(dst + (from - (ptrdiff_t)oh_begin * w), xc + from + shift, sizeof(float) * (size_t)(to - from));
                for (int oh = first; oh < last; oh++) {
                    float *d = dst + (size_t)(oh - oh_begin) * w;
                    for (int ow = 0; ow < lo; ow++) d[ow] = 0;
                    for (int ow = hi; ow < w; ow++) d[ow] = 0;
                }
            }
            continue;
        }
        for (int oh = oh_begin; oh < oh_end; oh++) {
            float *d = dst + (size_t)(oh - oh_begin) * g->out_w;
            const int ih = oh * g->stride_h - g->pad_top + kh * g->dilation_h;
            if (ih < 0 || ih >= g->in_h) {
                memset(d, 0, sizeof(float) * g->out_w);
                continue;
            }
            const float *src = xc + (size_t)ih * g->in_w + offset;
            for (int ow = 0; ow < lo; ow++) d[ow] = 0;
            if (g->stride_w == 1) {
                memcpy(d + lo, src + lo, sizeof(float) * (hi - lo));
            } else {
                int ow = lo;
                // Vector loads of 16 while they stay inside this input row.
                if (g->stride_w == 2) {
                    for (; ow + 8 <= hi && 2 * ow + offset + 16 <= g->in_w; ow += 8) {
                        v8_store(d + ow, v8_load_every(src + 2 * ow, 2));
                    }
                }
                for (; ow < hi; ow++) d[ow] = src[ow * g->stride_w];
            }
            for (int ow = hi; ow < g->out_w; ow++) d[ow] = 0;
        }
    }
}

static void tier_col2im_2d(const float *col, const strata_window2d *g, int c_begin, int c_end, float *x) {
    const size_t plane = (size_t)g->in_h * g->in_w;
    const size_t out_size = (size_t)g->out_h * g->out_w;
    for (int c = c_begin; c < c_end; c++) {
        float *xc = x + c * plane;
        for (int kh = 0; kh < g->kernel_h; kh++) {
            for (int kw = 0; kw < g->kernel_w; kw++) {
                const float *src = col + ((size_t)(c * g->kernel_h + kh) * g->kernel_w + kw) * out_size;
                const int offset = kw * g->dilation_w - g->pad_left;
                int lo, hi;
                valid_columns(offset, g->stride_w, g->in_w, g->out_w, &lo, &hi);
                for (int oh = 0; oh < g->out_h; oh++) {
                    const int ih = oh * g->stride_h - g->pad_top + kh * g->dilation_h;
                    if (ih < 0 || ih >= g->in_h) continue;
                    float *d = xc + (size_t)ih * g->in_w + offset;
                    const float *s = src + (size_t)oh * g->out_w;
                    if (g->stride_w == 1) {
                        for (int ow = lo; ow < hi; ow++) d[ow] += s[ow];
                    } else {
                        for (int ow = lo; ow < hi; ow++) d[ow * g->stride_w] += s[ow];
                    }
                }
            }
        }
    }
}

// One kernel row's taps for one block of 8 outputs, alternating between two accumulators.
V8 void depthwise_taps(const float *src, const float *tap, int kw_n, int dw, const int stride, v8f *x0, v8f *x1) {
    int kw = 0;
    for (; kw + 2 <= kw_n; kw += 2) {
        *x0 = v8_fma(v8_set1(tap[kw]), v8_load_every(src + kw * dw, stride), *x0);
        *x1 = v8_fma(v8_set1(tap[kw + 1]), v8_load_every(src + (kw + 1) * dw, stride), *x1);
    }
    if (kw < kw_n) *x0 = v8_fma(v8_set1(tap[kw]), v8_load_every(src + kw * dw, stride), *x0);
}

// One output row of a depthwise plane over the padded input, `out_w8` (a multiple of 8) values.
// Several independent accumulators per block keep the FMA units busy (one chain would wait on
// each FMA's latency); the partial sums are added at the end.
V8 void depthwise_row(
    const float *top, size_t cols, const float *w, int kh_n, int kw_n, int dh, int dw, float bias, int out_w8,
    float *dst, const int stride) {
    int ow = 0;
    for (; ow + 16 <= out_w8; ow += 16) {
        v8f a0 = v8_set1(bias), b0 = a0, a1 = v8_zero(), b1 = a1;
        for (int kh = 0; kh < kh_n; kh++) {
            const float *src = top + (size_t)kh * dh * cols + (size_t)ow * stride;
            const float *tap = w + kh * kw_n;
            int kw = 0;
            for (; kw + 2 <= kw_n; kw += 2) {
                const v8f w0 = v8_set1(tap[kw]), w1 = v8_set1(tap[kw + 1]);
                const float *p0 = src + kw * dw, *p1 = src + (kw + 1) * dw;
                a0 = v8_fma(w0, v8_load_every(p0, stride), a0);
                b0 = v8_fma(w0, v8_load_every(p0 + 8 * stride, stride), b0);
                a1 = v8_fma(w1, v8_load_every(p1, stride), a1);
                b1 = v8_fma(w1, v8_load_every(p1 + 8 * stride, stride), b1);
            }
            if (kw < kw_n) {
                const v8f w0 = v8_set1(tap[kw]);
                const float *p0 = src + kw * dw;
                a0 = v8_fma(w0, v8_load_every(p0, stride), a0);
                b0 = v8_fma(w0, v8_load_every(p0 + 8 * stride, stride), b0);
            }
        }
        v8_store(dst + ow, v8_add(a0, a1));
        v8_store(dst + ow + 8, v8_add(b0, b1));
    }
    if (ow < out_w8) {
        // One block left: alternate kernel rows between two pairs of accumulators.
        v8f a0 = v8_set1(bias), a1 = v8_zero(), a2 = a1, a3 = a1;
        for (int kh = 0; kh < kh_n; kh++) {
            const float *src = top + (size_t)kh * dh * cols + (size_t)ow * stride;
            if (kh & 1) {
                depthwise_taps(src, w + kh * kw_n, kw_n, dw, stride, &a2, &a3);
            } else {
                depthwise_taps(src, w + kh * kw_n, kw_n, dw, stride, &a0, &a1);
            }
        }
        v8_store(dst + ow, v8_add(v8_add(a0, a1), v8_add(a2, a3)));
    }
}

// R (at most 4) output rows of 8·V pixels at column `ow` for an undilated KH×KW window of stride S in
// both directions (R, KH, KW, S and V are constants where this is called, so every loop unrolls):
// each input row's vectors are loaded once for all the output rows whose windows cover it, and the
// R·V accumulators are enough independent FMA chains for two FMA units. Each output is one chain:
// bias, then its taps in row-major order (depthwise512.c's 16-lane kernel computes the same chains,
// so both tiers give the same bits). Rows of `top` are `cols` apart, rows of `y` `out_w`.
V8 void depthwise_block(const float *top, size_t cols, const float *w, v8f vb, float *y, size_t out_w, int ow,
                        const int R, const int KH, const int KW, const int S, const int V) {
    v8f acc[4][2];
    for (int i = 0; i < R; i++) {
        for (int v = 0; v < V; v++) acc[i][v] = vb;
    }
    for (int r = 0; r < KH + (R - 1) * S; r++) {
        const float *row = top + (size_t)r * cols + (size_t)ow * S;
        for (int kw = 0; kw < KW; kw++) {
            v8f in[2];
            for (int v = 0; v < V; v++) in[v] = v8_load_every(row + kw + 8 * S * v, S);
            for (int i = 0; i < R; i++) {
                const int kh = r - S * i;
                if (kh < 0 || kh >= KH) continue;
                const v8f wv = v8_set1(w[kh * KW + kw]);
                for (int v = 0; v < V; v++) acc[i][v] = v8_fma(wv, in[v], acc[i][v]);
            }
        }
    }
    for (int i = 0; i < R; i++) {
        for (int v = 0; v < V; v++) v8_store(y + (size_t)i * out_w + ow + 8 * v, acc[i][v]);
    }
}

// R output rows starting at `top` (the padded copy's row of the first) into y. The padded copy's
// rows have room for out_w rounded up to 8 (strata_padded_extent); a ragged last block is computed
// whole into `last` and only its first out_w % 8 columns are kept.
V8 void depthwise_band(const float *top, size_t cols, const float *w, v8f vb, float *y, int out_w,
                       const int R, const int KH, const int KW, const int S) {
    int ow = 0;
    for (; ow + 16 <= out_w; ow += 16) depthwise_block(top, cols, w, vb, y, (size_t)out_w, ow, R, KH, KW, S, 2);
    if (ow + 8 <= out_w) {
        depthwise_block(top, cols, w, vb, y, (size_t)out_w, ow, R, KH, KW, S, 1);
        ow += 8;
    }
    if (ow < out_w) {
        float last[4 * 8];
        depthwise_block(top + (size_t)ow * S, cols, w, vb, last, 8, 0, R, KH, KW, S, 1);
        for (int i = 0; i < R; i++) {
            for (int j = 0; ow + j < out_w; j++) y[(size_t)i * out_w + ow + j] = last[i * 8 + j];
        }
    }
}

// Every output row of a plane, four at a time and then the one to three left.
V8 void depthwise_rows(const float *padded, size_t cols, const float *w, float bias, float *y, int out_h, int out_w,
                       const int KH, const int KW, const int S) {
    const v8f vb = v8_set1(bias);
    int oh = 0;
    for (; oh + 4 <= out_h; oh += 4) depthwise_band(padded + (size_t)oh * S * cols, cols, w, vb, y + (size_t)oh * out_w, out_w, 4, KH, KW, S);
    const float *top = padded + (size_t)oh * S * cols;
    float *dst = y + (size_t)oh * out_w;
    switch (out_h - oh) {
    case 3: depthwise_band(top, cols, w, vb, dst, out_w, 3, KH, KW, S); break;
    case 2: depthwise_band(top, cols, w, vb, dst, out_w, 2, KH, KW, S); break;
    case 1: depthwise_band(top, cols, w, vb, dst, out_w, 1, KH, KW, S); break;
    default: break;
    }
}

static void tier_depthwise_plane(const float *x, const float *w, float bias, const strata_window2d *g, float *y,
                                 float *scratch, const strata_epilogue *ep) {
    if (ep && ep->activation == STRATA_ACT_NONE) ep = NULL;
    int rows, cols;
    strata_padded_extent(g, &rows, &cols);
    float *padded = scratch;
    float *row_out = scratch + (size_t)rows * cols;
    const int out_w8 = (g->out_w + 7) / 8 * 8;

    // The border stays zero from strata_depthwise_prepare; only the input's rows are copied in.
    strata_copy_into_border(x, g, rows, cols, padded);

    const int kh_n = g->kernel_h, kw_n = g->kernel_w, dh = g->dilation_h, dw = g->dilation_w, sw = g->stride_w;
    int first = 0;  // the first output row the row-at-a-time loop below computes
    if (g->stride_h == sw && (sw == 1 || sw == 2) && dh == 1 && dw == 1 &&
        ((kh_n == 3 && kw_n == 3) || (kh_n == 5 && kw_n == 5))) {
        // The common depthwise windows, four rows at a time (2.5 cycles a pixel at 144 × 56 × 56 with
        // 3 × 3 taps row by row, where the generic loop's control and its four FMA chains dominated).
        const size_t c = (size_t)cols;
        if (kh_n == 3) {
            if (sw == 1) depthwise_rows(padded, c, w, bias, y, g->out_h, g->out_w, 3, 3, 1);
            else depthwise_rows(padded, c, w, bias, y, g->out_h, g->out_w, 3, 3, 2);
        } else {
            if (sw == 1) depthwise_rows(padded, c, w, bias, y, g->out_h, g->out_w, 5, 5, 1);
            else depthwise_rows(padded, c, w, bias, y, g->out_h, g->out_w, 5, 5, 2);
        }
        first = g->out_h;
        // Through the active tier's table, not this template's 8-lane loop: the AVX-512 tier's
        // epilogue is 16 lanes wide (the same bits either way).
        if (ep) strata_epilogue_apply(y, y, (size_t)first * g->out_w, NULL, ep);
    }
    for (int oh = first; oh < g->out_h; oh++) {
        const float *top = padded + (size_t)oh * g->stride_h * cols;
        // Whole blocks go straight to the output row; a ragged row goes through row_out.
        float *y_row = y + (size_t)oh * g->out_w;
        float *dst = g->out_w == out_w8 ? y_row : row_out;
        int ow = 0;
        if (sw == 1) {
            depthwise_row(top, cols, w, kh_n, kw_n, dh, dw, bias, out_w8, dst, 1);
            ow = g->out_w;
        } else if (sw == 2) {
            depthwise_row(top, cols, w, kh_n, kw_n, dh, dw, bias, out_w8, dst, 2);
            ow = g->out_w;
        }
        for (; ow < g->out_w; ow++) {
            float sum = bias;
            for (int kh = 0; kh < kh_n; kh++) {
                const float *src = top + (size_t)kh * dh * cols + (size_t)ow * sw;
                for (int kw = 0; kw < kw_n; kw++) sum = strata_fmaf(w[kh * kw_n + kw], src[kw * dw], sum);
            }
            dst[ow] = sum;
        }
        if (ep) strata_epilogue_apply(dst, dst, g->out_w, NULL, ep);
        if (dst != y_row) {
            for (int i = 0; i < g->out_w; i++) y_row[i] = dst[i];
        }
    }
}

// ---- Depthwise convolution of small planes, eight channels at a time --------------------------
//
// On small planes (7×7, 14×14) the per-plane kernel above spends more time on each plane's set-up
// and ragged last vector than on arithmetic. Here the eight planes are interleaved instead, so that
// one vector holds one pixel of eight channels: every lane is useful whatever the plane size and
// stride, and each tap is one FMA per output pixel.

// The activation of `ep` (NULL: none; its bias is not used) over n pixels of eight interleaved
// channels, in one pass with the activation chosen once (not per vector), then the first `channels`
// values of each pixel back into their planes: y[c·stride + i] = out[i·8 + c].
static void deinterleave8(float *out, int n, int channels, float *y, size_t stride, const strata_epilogue *ep) {
    if (ep && ep->activation != STRATA_ACT_NONE) strata_epilogue_apply(out, out, (size_t)n * 8, NULL, ep);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f v[8];
        for (int j = 0; j < 8; j++) v[j] = v8_load(out + (size_t)(i + j) * 8);
        v8_transpose(v);
        for (int c = 0; c < channels; c++) v8_store(y + (size_t)c * stride + i, v[c]);
    }
    for (; i < n; i++) {
        for (int c = 0; c < channels; c++) y[(size_t)c * stride + i] = out[(size_t)i * 8 + c];
    }
}

// Output pixels computed together on planes under 16 wide, each with its own accumulator: enough
// independent FMAs to keep two FMA units busy through their latency. They are consecutive in the
// flattened output plane, so a 7×7 plane is six full blocks and one of one pixel, not seven rows of
// four and three. Wider rows go four pixels at a time along the row (fewer registers for offsets).
// Every output is the same chain of FMAs in either case (bias, then the taps in order).
#define DW8_PIXELS 8

// One block of up to eight channels (`channels` 1…8) over the bordered copy, whose border is
// already zero; `in_index` (inputs under 16 wide) says where each input pixel goes in the copy,
// `out_offset` (outputs under 16 wide) where each output pixel's first tap is.
static void depthwise8_block(const float *x, size_t in_stride, int channels, const float *w, const float *bias,
                             const strata_window2d *g, float *y, size_t out_stride, int rows, int cols, float *padded,
                             float *out, float *wt, const int32_t *in_index, const int32_t *out_offset,
                             const strata_epilogue *ep) {
    const int taps = g->kernel_h * g->kernel_w;
    const int out_n = g->out_h * g->out_w, in_n = g->in_h * g->in_w;
    memset(wt, 0, sizeof(float) * 8 * (size_t)taps);
    for (int c = 0; c < channels; c++) {
        for (int t = 0; t < taps; t++) wt[t * 8 + c] = w[(size_t)c * taps + t];
    }
    if (g->in_w >= 16) {
        // Wide rows: eight pixels of one row at a time, while all eight land inside the copy.
        for (int ih = 0; ih < g->in_h; ih++) {
            const int r = ih + g->pad_top;
            if (r >= rows) break;
            float *dst = padded + (size_t)r * cols * 8;
            int iw = 0;
            for (; iw + 8 <= g->in_w && iw + g->pad_left + 8 <= cols; iw += 8) {
                v8f v[8];
                for (int c = 0; c < 8; c++) {
                    v[c] = c < channels ? v8_load(x + (size_t)c * in_stride + (size_t)ih * g->in_w + iw) : v8_zero();
                }
                v8_transpose(v);
                for (int j = 0; j < 8; j++) v8_store(dst + (size_t)(iw + g->pad_left + j) * 8, v[j]);
            }
            for (; iw < g->in_w && iw + g->pad_left < cols; iw++) {
                float *pixel = dst + (size_t)(iw + g->pad_left) * 8;
                for (int c = 0; c < 8; c++) pixel[c] = c < channels ? x[(size_t)c * in_stride + (size_t)ih * g->in_w + iw] : 0.0f;
            }
        }
    } else {
        // Narrow planes (7 or 14 wide) read as one flat run of pixels, eight at a time through an 8×8
        // transpose, so that they are as vectorised as wide ones; each pixel's eight channels go to
        // its place inside the border, from the table (−1: a pixel no tap reads).
        int q = 0;
        for (; q + 8 <= in_n; q += 8) {
            v8f v[8];
            for (int c = 0; c < 8; c++) v[c] = c < channels ? v8_load(x + (size_t)c * in_stride + q) : v8_zero();
            v8_transpose(v);
            for (int j = 0; j < 8; j++) {
                if (in_index[q + j] >= 0) v8_store(padded + (size_t)in_index[q + j] * 8, v[j]);
            }
        }
        for (; q < in_n; q++) {
            if (in_index[q] < 0) continue;
            float *dst = padded + (size_t)in_index[q] * 8;
            for (int c = 0; c < 8; c++) dst[c] = c < channels ? x[(size_t)c * in_stride + q] : 0.0f;
        }
    }

    float b8[8] = {0};
    for (int c = 0; c < channels; c++) b8[c] = bias ? bias[c] : 0.0f;
    const v8f vb = v8_load(b8);
    const int kh_n = g->kernel_h, kw_n = g->kernel_w;
    const size_t row_step = (size_t)g->dilation_h * cols * 8, tap_step = (size_t)g->dilation_w * 8;
    if (g->out_w >= 16) {
        // Wide rows: four pixels of one row at a time, one pointer stepping along the row.
        const size_t step_w = (size_t)g->stride_w * 8;
        for (int oh = 0; oh < g->out_h; oh++) {
            const float *top = padded + (size_t)oh * g->stride_h * cols * 8;
            float *dst = out + (size_t)oh * g->out_w * 8;
            int ow = 0;
            for (; ow + 4 <= g->out_w; ow += 4) {
                v8f a0 = vb, a1 = vb, a2 = vb, a3 = vb;
                for (int kh = 0; kh < kh_n; kh++) {
                    const float *src = top + (size_t)kh * row_step + (size_t)ow * step_w;
                    const float *wk = wt + (size_t)kh * kw_n * 8;
                    for (int kw = 0; kw < kw_n; kw++) {
                        const v8f wv = v8_load(wk + kw * 8);
                        const float *q = src + kw * tap_step;
                        a0 = v8_fma(wv, v8_load(q), a0);
                        a1 = v8_fma(wv, v8_load(q + step_w), a1);
                        a2 = v8_fma(wv, v8_load(q + 2 * step_w), a2);
                        a3 = v8_fma(wv, v8_load(q + 3 * step_w), a3);
                    }
                }
                v8_store(dst + (size_t)ow * 8, a0);
                v8_store(dst + (size_t)(ow + 1) * 8, a1);
                v8_store(dst + (size_t)(ow + 2) * 8, a2);
                v8_store(dst + (size_t)(ow + 3) * 8, a3);
            }
            for (; ow < g->out_w; ow++) {
                v8f a0 = vb;
                for (int kh = 0; kh < kh_n; kh++) {
                    const float *src = top + (size_t)kh * row_step + (size_t)ow * step_w;
                    const float *wk = wt + (size_t)kh * kw_n * 8;
                    for (int kw = 0; kw < kw_n; kw++) a0 = v8_fma(v8_load(wk + kw * 8), v8_load(src + kw * tap_step), a0);
                }
                v8_store(dst + (size_t)ow * 8, a0);
            }
        }
    } else {
        for (int p = 0; p < out_n; p += DW8_PIXELS) {
            // Offsets of the block's pixels' first taps; a short last block repeats its last pixel.
            size_t off[DW8_PIXELS];
            for (int j = 0; j < DW8_PIXELS; j++) off[j] = (size_t)out_offset[p + j < out_n ? p + j : out_n - 1] * 8;
            v8f a0 = vb, a1 = vb, a2 = vb, a3 = vb, a4 = vb, a5 = vb, a6 = vb, a7 = vb;
            for (int kh = 0; kh < kh_n; kh++) {
                const float *row = padded + (size_t)kh * row_step;
                const float *wk = wt + (size_t)kh * kw_n * 8;
                for (int kw = 0; kw < kw_n; kw++) {
                    const v8f wv = v8_load(wk + kw * 8);
                    const float *src = row + kw * tap_step;
                    a0 = v8_fma(wv, v8_load(src + off[0]), a0);
                    a1 = v8_fma(wv, v8_load(src + off[1]), a1);
                    a2 = v8_fma(wv, v8_load(src + off[2]), a2);
                    a3 = v8_fma(wv, v8_load(src + off[3]), a3);
                    a4 = v8_fma(wv, v8_load(src + off[4]), a4);
                    a5 = v8_fma(wv, v8_load(src + off[5]), a5);
                    a6 = v8_fma(wv, v8_load(src + off[6]), a6);
                    a7 = v8_fma(wv, v8_load(src + off[7]), a7);
                }
            }
            const v8f acc[DW8_PIXELS] = {a0, a1, a2, a3, a4, a5, a6, a7};
            for (int j = 0; j < DW8_PIXELS && p + j < out_n; j++) v8_store(out + (size_t)(p + j) * 8, acc[j]);
        }
    }
    deinterleave8(out, out_n, channels, y, out_stride, ep);
}

// The planes eight at a time. What does not depend on the channels is done once per call, not per
// block of eight: the border of the copy is zeroed (blocks only write its interior), and the narrow
// planes' pixel tables are built (at 576 × 14 × 14, stride 2, the per-block border memsets and
// per-pixel position bookkeeping took longer than the arithmetic).
static void tier_depthwise8(const float *x, size_t in_stride, int channels, const float *w, const float *bias,
                            const strata_window2d *g, float *y, size_t out_stride, float *scratch,
                            const strata_epilogue *ep) {
    // Narrow planes (under 16 wide) go through the pixel tables; wider rows are copied and computed
    // along the row.
    strata_interleaved_layout l;
    strata_interleaved_prepare(g, 8, 16, scratch, &l);
    const int taps = g->kernel_h * g->kernel_w;
    for (int c0 = 0; c0 < channels; c0 += 8) {
        const int count = channels - c0 < 8 ? channels - c0 : 8;
        depthwise8_block(x + (size_t)c0 * in_stride, in_stride, count, w + (size_t)c0 * taps, bias ? bias + c0 : NULL, g,
                         y + (size_t)c0 * out_stride, out_stride, l.rows, l.cols, l.padded, l.out, l.wt, l.in_index,
                         l.out_offset, ep);
    }
}

#endif

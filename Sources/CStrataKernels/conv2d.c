#include "CStrataKernels.h"
#include "window_border.h"
#include "epilogue.h"

#include <string.h>

// Output columns [*lo, *hi) whose input column ow·stride + offset lies inside [0, width).
static void valid_columns(int offset, int stride, int width, int out_w, int *lo, int *hi) {
    int l = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    int h = width - 1 - offset < 0 ? 0 : (width - 1 - offset) / stride + 1;
    if (h > out_w) h = out_w;
    if (l > h) l = h;
    *lo = l;
    *hi = h;
}

void strata_im2col_2d(const float *x, const strata_window2d *g, int r_begin, int r_end, float *col) {
    const int kk = g->kernel_h * g->kernel_w;
    const size_t plane = (size_t)g->in_h * g->in_w;
    const size_t out_size = (size_t)g->out_h * g->out_w;
    for (int r = r_begin; r < r_end; r++) {
        const int c = r / kk, kh = (r / g->kernel_w) % g->kernel_h, kw = r % g->kernel_w;
        const float *xc = x + c * plane;
        float *dst = col + (size_t)r * out_size;
        const int offset = kw * g->dilation_w - g->pad_left;
        int lo, hi;
        valid_columns(offset, g->stride_w, g->in_w, g->out_w, &lo, &hi);
        for (int oh = 0; oh < g->out_h; oh++) {
            float *d = dst + (size_t)oh * g->out_w;
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
#ifdef STRATA_AVX2
                // Vector loads of 16 while they stay inside this input row.
                if (g->stride_w == 2) {
                    for (; ow + 8 <= hi && 2 * ow + offset + 16 <= g->in_w; ow += 8) {
                        _mm256_storeu_ps(d + ow, load_every(src + 2 * ow, 2));
                    }
                }
#endif
                for (; ow < hi; ow++) d[ow] = src[ow * g->stride_w];
            }
            for (int ow = hi; ow < g->out_w; ow++) d[ow] = 0;
        }
    }
}

void strata_col2im_2d(const float *col, const strata_window2d *g, int c_begin, int c_end, float *x) {
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

size_t strata_depthwise_scratch(const strata_window2d *g) {
    int rows, cols;
    strata_padded_extent(g, &rows, &cols);
    return (size_t)rows * cols + (size_t)(g->out_w + 7) / 8 * 8;
}

void strata_depthwise_prepare(const strata_window2d *g, float *scratch) {
    memset(scratch, 0, sizeof(float) * strata_depthwise_scratch(g));
}

#ifdef STRATA_AVX2
// One kernel row's taps for one block of 8 outputs, alternating between two accumulators.
static inline __attribute__((always_inline)) void depthwise_taps(
    const float *src, const float *tap, int kw_n, int dw, const int stride, __m256 *x0, __m256 *x1) {
    int kw = 0;
    for (; kw + 2 <= kw_n; kw += 2) {
        *x0 = _mm256_fmadd_ps(_mm256_broadcast_ss(tap + kw), load_every(src + kw * dw, stride), *x0);
        *x1 = _mm256_fmadd_ps(_mm256_broadcast_ss(tap + kw + 1), load_every(src + (kw + 1) * dw, stride), *x1);
    }
    if (kw < kw_n) *x0 = _mm256_fmadd_ps(_mm256_broadcast_ss(tap + kw), load_every(src + kw * dw, stride), *x0);
}

// One output row of a depthwise plane over the padded input, `out_w8` (a multiple of 8) values.
// Several independent accumulators per block keep the FMA units busy (one chain would wait on
// each FMA's latency); the partial sums are added at the end.
static inline __attribute__((always_inline)) void depthwise_row(
    const float *top, size_t cols, const float *w, int kh_n, int kw_n, int dh, int dw, float bias, int out_w8,
    float *dst, const int stride) {
    int ow = 0;
    for (; ow + 16 <= out_w8; ow += 16) {
        __m256 a0 = _mm256_set1_ps(bias), b0 = a0, a1 = _mm256_setzero_ps(), b1 = a1;
        for (int kh = 0; kh < kh_n; kh++) {
            const float *src = top + (size_t)kh * dh * cols + (size_t)ow * stride;
            const float *tap = w + kh * kw_n;
            int kw = 0;
            for (; kw + 2 <= kw_n; kw += 2) {
                const __m256 w0 = _mm256_broadcast_ss(tap + kw), w1 = _mm256_broadcast_ss(tap + kw + 1);
                const float *p0 = src + kw * dw, *p1 = src + (kw + 1) * dw;
                a0 = _mm256_fmadd_ps(w0, load_every(p0, stride), a0);
                b0 = _mm256_fmadd_ps(w0, load_every(p0 + 8 * stride, stride), b0);
                a1 = _mm256_fmadd_ps(w1, load_every(p1, stride), a1);
                b1 = _mm256_fmadd_ps(w1, load_every(p1 + 8 * stride, stride), b1);
            }
            if (kw < kw_n) {
                const __m256 w0 = _mm256_broadcast_ss(tap + kw);
                const float *p0 = src + kw * dw;
                a0 = _mm256_fmadd_ps(w0, load_every(p0, stride), a0);
                b0 = _mm256_fmadd_ps(w0, load_every(p0 + 8 * stride, stride), b0);
            }
        }
        _mm256_storeu_ps(dst + ow, _mm256_add_ps(a0, a1));
        _mm256_storeu_ps(dst + ow + 8, _mm256_add_ps(b0, b1));
    }
    if (ow < out_w8) {
        // One block left: alternate kernel rows between two pairs of accumulators.
        __m256 a0 = _mm256_set1_ps(bias), a1 = _mm256_setzero_ps(), a2 = a1, a3 = a1;
        for (int kh = 0; kh < kh_n; kh++) {
            const float *src = top + (size_t)kh * dh * cols + (size_t)ow * stride;
            if (kh & 1) {
                depthwise_taps(src, w + kh * kw_n, kw_n, dw, stride, &a2, &a3);
            } else {
                depthwise_taps(src, w + kh * kw_n, kw_n, dw, stride, &a0, &a1);
            }
        }
        _mm256_storeu_ps(dst + ow, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    }
}
#endif

void strata_depthwise_plane(const float *x, const float *w, float bias, const strata_window2d *g, float *y,
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
    for (int oh = 0; oh < g->out_h; oh++) {
        const float *top = padded + (size_t)oh * g->stride_h * cols;
        // Whole blocks go straight to the output row; a ragged row goes through row_out.
        float *y_row = y + (size_t)oh * g->out_w;
        float *dst = g->out_w == out_w8 ? y_row : row_out;
        int ow = 0;
#ifdef STRATA_AVX2
        if (sw == 1) {
            depthwise_row(top, cols, w, kh_n, kw_n, dh, dw, bias, out_w8, dst, 1);
            ow = g->out_w;
        } else if (sw == 2) {
            depthwise_row(top, cols, w, kh_n, kw_n, dh, dw, bias, out_w8, dst, 2);
            ow = g->out_w;
        }
#endif
        for (; ow < g->out_w; ow++) {
            float sum = bias;
            for (int kh = 0; kh < kh_n; kh++) {
                const float *src = top + (size_t)kh * dh * cols + (size_t)ow * sw;
                for (int kw = 0; kw < kw_n; kw++) sum += w[kh * kw_n + kw] * src[kw * dw];
            }
            dst[ow] = sum;
        }
        if (ep) strata_epilogue_row(dst, dst, g->out_w, NULL, ep);
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

// Output pixels computed together, each with its own accumulator (FMA latency hiding).
#define DW8_PIXELS 4

#ifdef STRATA_AVX2
// Transposes the 8×8 block r[0..7] in place: afterwards r[j] holds element j of every input row.
static inline __attribute__((always_inline)) void transpose8(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}
#endif

static void depthwise8_extent(const strata_window2d *g, int *rows, int *cols) {
    *rows = (g->out_h - 1) * g->stride_h + (g->kernel_h - 1) * g->dilation_h + 1;
    *cols = (g->out_w - 1) * g->stride_w + (g->kernel_w - 1) * g->dilation_w + 1;
}

size_t strata_depthwise8_scratch(const strata_window2d *g) {
    int rows, cols;
    depthwise8_extent(g, &rows, &cols);
    return 8 * ((size_t)rows * cols + (size_t)g->out_h * g->out_w + (size_t)g->kernel_h * g->kernel_w);
}

void strata_depthwise8(const float *x, size_t in_stride, int channels, const float *w, const float *bias,
                       const strata_window2d *g, float *y, size_t out_stride, float *scratch, const strata_epilogue *ep) {
    int rows, cols;
    depthwise8_extent(g, &rows, &cols);
    const int taps = g->kernel_h * g->kernel_w;
    const int out_n = g->out_h * g->out_w;
    float *padded = scratch;
    float *out = padded + (size_t)8 * rows * cols;
    float *wt = out + (size_t)8 * out_n;

    memset(padded, 0, sizeof(float) * 8 * (size_t)rows * cols);
    memset(wt, 0, sizeof(float) * 8 * (size_t)taps);
    for (int c = 0; c < channels; c++) {
        for (int t = 0; t < taps; t++) wt[t * 8 + c] = w[(size_t)c * taps + t];
    }
    for (int ih = 0; ih < g->in_h; ih++) {
        const int r = ih + g->pad_top;
        if (r < 0 || r >= rows) continue;
        float *dst = padded + (size_t)r * cols * 8;
        int iw = 0;
#ifdef STRATA_AVX2
        // Eight pixels of eight channels at a time, while all eight land inside the copy.
        for (; iw + 8 <= g->in_w && iw + g->pad_left + 8 <= cols; iw += 8) {
            __m256 v[8];
            for (int c = 0; c < 8; c++) {
                v[c] = c < channels ? _mm256_loadu_ps(x + (size_t)c * in_stride + (size_t)ih * g->in_w + iw) : _mm256_setzero_ps();
            }
            transpose8(v);
            for (int j = 0; j < 8; j++) _mm256_storeu_ps(dst + (size_t)(iw + g->pad_left + j) * 8, v[j]);
        }
#endif
        for (; iw < g->in_w; iw++) {
            const int col = iw + g->pad_left;
            if (col < 0 || col >= cols) continue;
            for (int c = 0; c < channels; c++) dst[(size_t)col * 8 + c] = x[(size_t)c * in_stride + (size_t)ih * g->in_w + iw];
        }
    }

#ifdef STRATA_AVX2
    float b8[8] = {0};
    for (int c = 0; c < channels; c++) b8[c] = bias ? bias[c] : 0.0f;
    const __m256 vb = _mm256_loadu_ps(b8);
    const int kh_n = g->kernel_h, kw_n = g->kernel_w;
    const size_t step_w = (size_t)g->stride_w * 8, dil_w = (size_t)g->dilation_w * 8;
    for (int oh = 0; oh < g->out_h; oh++) {
        const float *top = padded + (size_t)oh * g->stride_h * cols * 8;
        float *dst = out + (size_t)oh * g->out_w * 8;
        int ow = 0;
        for (; ow + DW8_PIXELS <= g->out_w; ow += DW8_PIXELS) {
            __m256 a0 = vb, a1 = vb, a2 = vb, a3 = vb;
            for (int kh = 0; kh < kh_n; kh++) {
                const float *src = top + (size_t)kh * g->dilation_h * cols * 8 + (size_t)ow * step_w;
                const float *wk = wt + (size_t)kh * kw_n * 8;
                for (int kw = 0; kw < kw_n; kw++) {
                    const __m256 wv = _mm256_loadu_ps(wk + kw * 8);
                    const float *p = src + kw * dil_w;
                    a0 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(p), a0);
                    a1 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(p + step_w), a1);
                    a2 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(p + 2 * step_w), a2);
                    a3 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(p + 3 * step_w), a3);
                }
            }
            _mm256_storeu_ps(dst + (size_t)ow * 8, a0);
            _mm256_storeu_ps(dst + (size_t)(ow + 1) * 8, a1);
            _mm256_storeu_ps(dst + (size_t)(ow + 2) * 8, a2);
            _mm256_storeu_ps(dst + (size_t)(ow + 3) * 8, a3);
        }
        for (; ow < g->out_w; ow++) {
            __m256 a0 = vb;
            for (int kh = 0; kh < kh_n; kh++) {
                const float *src = top + (size_t)kh * g->dilation_h * cols * 8 + (size_t)ow * step_w;
                const float *wk = wt + (size_t)kh * kw_n * 8;
                for (int kw = 0; kw < kw_n; kw++) {
                    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(wk + kw * 8), _mm256_loadu_ps(src + kw * dil_w), a0);
                }
            }
            _mm256_storeu_ps(dst + (size_t)ow * 8, a0);
        }
    }
    if (ep && ep->activation != STRATA_ACT_NONE) {
        for (int i = 0; i < out_n; i++) {
            _mm256_storeu_ps(out + (size_t)i * 8,
                             strata_activate8(_mm256_loadu_ps(out + (size_t)i * 8), ep->activation, ep->alpha, ep->beta));
        }
    }
#endif
    int i = 0;
#ifdef STRATA_AVX2
    for (; i + 8 <= out_n; i += 8) {
        __m256 v[8];
        for (int j = 0; j < 8; j++) v[j] = _mm256_loadu_ps(out + (size_t)(i + j) * 8);
        transpose8(v);
        for (int c = 0; c < channels; c++) _mm256_storeu_ps(y + (size_t)c * out_stride + i, v[c]);
    }
#endif
    for (; i < out_n; i++) {
        for (int c = 0; c < channels; c++) y[(size_t)c * out_stride + i] = out[(size_t)i * 8 + c];
    }
}

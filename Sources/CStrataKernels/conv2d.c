#include "CStrataKernels.h"

#include <string.h>
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define STRATA_AVX2 1
#endif

// Output columns [*lo, *hi) whose input column ow·stride + offset lies inside [0, width).
static void valid_columns(int offset, int stride, int width, int out_w, int *lo, int *hi) {
    int l = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    int h = width - 1 - offset < 0 ? 0 : (width - 1 - offset) / stride + 1;
    if (h > out_w) h = out_w;
    if (l > h) l = h;
    *lo = l;
    *hi = h;
}

void strata_im2col_2d(const float *x, const strata_window2d *g, int c_begin, int c_end, float *col) {
    const int kk = g->kernel_h * g->kernel_w;
    const size_t plane = (size_t)g->in_h * g->in_w;
    const size_t out_size = (size_t)g->out_h * g->out_w;
    for (int r = c_begin * kk; r < c_end * kk; r++) {
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
                for (int ow = lo; ow < hi; ow++) d[ow] = src[ow * g->stride_w];
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

// One output value with every tap bounds-checked (plane borders).
static float depthwise_point(const float *x, const float *w, float bias, const strata_window2d *g, int oh, int ow) {
    float sum = bias;
    for (int kh = 0; kh < g->kernel_h; kh++) {
        const int ih = oh * g->stride_h - g->pad_top + kh * g->dilation_h;
        if (ih < 0 || ih >= g->in_h) continue;
        const float *row = x + (size_t)ih * g->in_w;
        for (int kw = 0; kw < g->kernel_w; kw++) {
            const int iw = ow * g->stride_w - g->pad_left + kw * g->dilation_w;
            if (iw >= 0 && iw < g->in_w) sum += w[kh * g->kernel_w + kw] * row[iw];
        }
    }
    return sum;
}

void strata_depthwise_plane(const float *x, const float *w, float bias, const strata_window2d *g, float *y) {
    const int sw = g->stride_w, ow_n = g->out_w;
    // Interior columns: every kernel column reads inside the row (and, for the vector loads, so does
    // the last element of each load).
    const int first_offset = -g->pad_left;
    const int last_offset = (g->kernel_w - 1) * g->dilation_w - g->pad_left;
    int lo, hi, unused;
    valid_columns(first_offset, sw, g->in_w, ow_n, &lo, &unused);
    valid_columns(last_offset + (sw - 1), sw, g->in_w, ow_n, &unused, &hi);
    if (hi < lo) hi = lo;

    for (int oh = 0; oh < g->out_h; oh++) {
        float *yr = y + (size_t)oh * ow_n;
        const float *rows[64];
        const float *taps[64];
        int n_rows = 0;
        for (int kh = 0; kh < g->kernel_h && n_rows < 64; kh++) {
            const int ih = oh * g->stride_h - g->pad_top + kh * g->dilation_h;
            if (ih < 0 || ih >= g->in_h) continue;
            rows[n_rows] = x + (size_t)ih * g->in_w - g->pad_left;
            taps[n_rows] = w + kh * g->kernel_w;
            n_rows++;
        }
        if (g->kernel_h > 64) {
            for (int ow = 0; ow < ow_n; ow++) yr[ow] = depthwise_point(x, w, bias, g, oh, ow);
            continue;
        }
        for (int ow = 0; ow < lo; ow++) yr[ow] = depthwise_point(x, w, bias, g, oh, ow);
        int ow = lo;
#ifdef STRATA_AVX2
        const __m256 vb = _mm256_set1_ps(bias);
        if (sw == 1) {
            for (; ow + 8 <= hi; ow += 8) {
                __m256 acc = vb;
                for (int r = 0; r < n_rows; r++) {
                    const float *src = rows[r] + ow;
                    for (int kw = 0; kw < g->kernel_w; kw++) {
                        acc = _mm256_fmadd_ps(_mm256_set1_ps(taps[r][kw]),
                                              _mm256_loadu_ps(src + kw * g->dilation_w), acc);
                    }
                }
                _mm256_storeu_ps(yr + ow, acc);
            }
        } else if (sw == 2) {
            for (; ow + 8 <= hi; ow += 8) {
                __m256 acc = vb;
                for (int r = 0; r < n_rows; r++) {
                    const float *src = rows[r] + 2 * ow;
                    for (int kw = 0; kw < g->kernel_w; kw++) {
                        const float *p = src + kw * g->dilation_w;
                        const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
                        // Even elements of a and b, then the 128-bit halves put back in order.
                        const __m256 even = _mm256_castpd_ps(_mm256_permute4x64_pd(
                            _mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
                        acc = _mm256_fmadd_ps(_mm256_set1_ps(taps[r][kw]), even, acc);
                    }
                }
                _mm256_storeu_ps(yr + ow, acc);
            }
        }
#endif
        for (; ow < hi; ow++) {
            float sum = bias;
            for (int r = 0; r < n_rows; r++) {
                const float *src = rows[r] + ow * sw;
                for (int kw = 0; kw < g->kernel_w; kw++) sum += taps[r][kw] * src[kw * g->dilation_w];
            }
            yr[ow] = sum;
        }
        for (ow = hi > lo ? hi : lo; ow < ow_n; ow++) yr[ow] = depthwise_point(x, w, bias, g, oh, ow);
    }
}

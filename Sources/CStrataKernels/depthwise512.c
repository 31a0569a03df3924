// The AVX-512 tier's depthwise plane (x86-64 only), for the common windows: 3×3 and 5×5, stride 1
// or 2 (the same across and down), no dilation. Other windows go to the AVX2 tier's plane.
//
// Outputs are computed four rows at a time, 32 columns at a time, each loaded vector serving every
// row whose window covers it. The vectors are read straight from the input, masked where a tap
// falls in the padding (the zeros the masks leave are the border's zeros, so the sums are those of
// a padded copy): copying each plane into a zero border first took a quarter of the time, most of
// it in loads waiting for the copy's stores. At stride 2 each input row is loaded once as vectors
// of sixteen and every tap's values are permuted out of them: splitting the input into four phase
// planes first, so that each tap read sixteen neighbouring values, cost twice as long (on Zen 4 a
// 512-bit store takes two cycles, and the split stored the whole input once more). Each output's
// chain is the template's (bias, then the taps in row-major order, one FMA each), so every output
// has the AVX2 tier's bits. ReLU and Clip are applied as the outputs are stored; other activations
// in one pass over the plane afterwards.

#if defined(__x86_64__)

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "math16.h"
#include "tiers.h"
#include "window_border.h"

// The AVX2 tier's eight-lane helpers (v8_transpose), for the interleaved kernel's 8 × 8 transposes.
#define STRATA_VEC8_AVX2 1
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "vec8.h"
#pragma clang attribute pop

#pragma STDC FP_CONTRACT OFF

#define INLINE static inline __attribute__((always_inline))

// The activation applied as a vector is stored: only the two cheap ones (a switch over all of them
// at every store cost more than a separate pass: C harness, 144 × 56 × 56 3×3 SiLU 0.26 → 0.28 ms).
AVX512 INLINE __m512 store_act(__m512 v, int activation, float alpha, float beta) {
    if (activation == STRATA_ACT_CLIP) return act16(v, STRATA_ACT_CLIP, alpha, beta);
    if (activation == STRATA_ACT_RELU) return act16(v, STRATA_ACT_RELU, alpha, beta);
    return v;
}

// Lanes lo ..< hi of sixteen (clamped to them).
INLINE __mmask16 lanes_between(int lo, int hi) {
    lo = lo < 0 ? 0 : lo;
    hi = hi > 16 ? 16 : hi;
    if (hi <= lo) return 0;
    return (__mmask16)((hi >= 16 ? 0xFFFFu : (1u << hi) - 1) & ~((1u << lo) - 1));
}

// `p + offset` for an offset that may fall before `p`: only masked loads use it, whose masked-off
// lanes read nothing.
INLINE const float *shifted(const float *p, ptrdiff_t offset) { return (const float *)((uintptr_t)p + (uintptr_t)(offset * 4)); }

// The vectors `in` (input row q of a block, column tap kw) into every output row i of the block
// whose window has row kh = q − S·i (at stride S, row i's window starts S·i rows down).
AVX512 INLINE void add_taps(__m512 acc[4][2], const __m512 in[2], const float *w, int q, int kw, const int R, const int K,
                            const int S, const int V) {
    for (int i = 0; i < R; i++) {
        const int kh = q - S * i;
        if (kh < 0 || kh >= K) continue;
        const __m512 wv = _mm512_set1_ps(w[kh * K + kw]);
        for (int v = 0; v < V; v++) acc[i][v] = _mm512_fmadd_ps(wv, in[v], acc[i][v]);
    }
}

// A block's R rows of up to 16·V outputs from column `ow`, each vector under its mask.
AVX512 INLINE void store_rows(__m512 acc[4][2], const __mmask16 m[2], float *y, size_t out_w, int ow, int activation,
                              float alpha, float beta, const int R, const int V) {
    for (int i = 0; i < R; i++) {
        for (int v = 0; v < V; v++) {
            _mm512_mask_storeu_ps(y + (size_t)i * out_w + ow + 16 * v, m[v], store_act(acc[i][v], activation, alpha, beta));
        }
    }
}

// R (at most 4) output rows from row `oh`, up to 16·V outputs from column `ow` (`outputs` of them), at
// stride 1: input row oh − pad_top + q, columns from
// ow + kw − pad_left, each vector masked to the lanes inside the input (rows outside it are zero
// vectors), which gives each tap the value a zero-bordered copy holds.
AVX512 INLINE void direct_block16(const float *x, const float *zeros, int in_h, int in_w, int row0, int col0, const float *w, __m512 vb,
                                  float *y, size_t out_w, int ow, int outputs, int activation, float alpha, float beta,
                                  const int R, const int K, const int V) {
    __mmask16 m[2], taps[5][2];
    for (int v = 0; v < V; v++) {
        m[v] = first_lanes16((size_t)(outputs - 16 * v < 0 ? 0 : outputs - 16 * v));
        for (int kw = 0; kw < K; kw++) {
            const int c = col0 + kw + 16 * v;
            taps[kw][v] = m[v] & lanes_between(-c, in_w - c);
        }
    }
    __m512 acc[4][2];
    for (int i = 0; i < R; i++) {
        for (int v = 0; v < V; v++) acc[i][v] = vb;
    }
    _Pragma("clang loop unroll(full)")
    for (int q = 0; q < R + K - 1; q++) {
        const int r = row0 + q;
        const float *src = r >= 0 && r < in_h ? x + (size_t)r * in_w : zeros;
        _Pragma("clang loop unroll(full)")
        for (int kw = 0; kw < K; kw++) {
            __m512 in[2];
            for (int v = 0; v < V; v++) in[v] = _mm512_maskz_loadu_ps(taps[kw][v], shifted(src, col0 + kw + 16 * v));
            add_taps(acc, in, w, q, kw, R, K, 1, V);
        }
    }
    store_rows(acc, m, y, out_w, ow, activation, alpha, beta, R, V);
}

// direct_block16 at stride 2: the R rows from row oh read input rows 2·oh − pad_top + q for
// q < 2(R − 1) + K. Vector v's sixteen outputs (from column ow + 16v) need input columns
// c + kw + 2j (j < 16, c = 2(ow + 16v) − pad_left), which lie in the three vectors loaded from
// columns c, c + 16 and c + 32, each masked to the input's columns (taps in the padding read the
// zeros a bordered copy holds): one two-source permute picks a tap's values from the first two
// vectors, and for kw ≥ 2 a second one the lanes past them (kw + 2j ≥ 32) from the third, whose
// index is the same one modulo 16. Vector v + 1 starts at the third vector of v.
AVX512 INLINE void direct_block16_s2(const float *x, const float *zeros, int in_h, int in_w, int row0, int col0, const float *w,
                                     __m512 vb, float *y, size_t out_w, int ow, int outputs, int activation, float alpha,
                                     float beta, const int R, const int K, const int V) {
    __mmask16 m[2], inside[5], past[5];
    __m512i index[5];
    for (int v = 0; v < V; v++) m[v] = first_lanes16((size_t)(outputs - 16 * v < 0 ? 0 : outputs - 16 * v));
    for (int l = 0; l <= 2 * V; l++) inside[l] = lanes_between(-(col0 + 16 * l), in_w - (col0 + 16 * l));
    for (int kw = 0; kw < K; kw++) {
        index[kw] = _mm512_add_epi32(_mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30),
                                     _mm512_set1_epi32(kw));
        const int from = (33 - kw) / 2;  // the first lane j with kw + 2j ≥ 32
        past[kw] = from >= 16 ? 0 : (__mmask16)((0xFFFFu << from) & 0xFFFFu);
    }
    __m512 acc[4][2];
    for (int i = 0; i < R; i++) {
        for (int v = 0; v < V; v++) acc[i][v] = vb;
    }
    _Pragma("clang loop unroll(full)")
    for (int q = 0; q < 2 * (R - 1) + K; q++) {
        const int r = row0 + q;
        const float *src = r >= 0 && r < in_h ? x + (size_t)r * in_w : zeros;
        __m512 l[5];
        for (int j = 0; j <= 2 * V; j++) l[j] = _mm512_maskz_loadu_ps(inside[j], shifted(src, col0 + 16 * j));
        _Pragma("clang loop unroll(full)")
        for (int kw = 0; kw < K; kw++) {
            __m512 in[2];
            for (int v = 0; v < V; v++) {
                in[v] = _mm512_permutex2var_ps(l[2 * v], index[kw], l[2 * v + 1]);
                if (kw >= 2) in[v] = _mm512_mask_permutexvar_ps(in[v], past[kw], index[kw], l[2 * v + 2]);
            }
            add_taps(acc, in, w, q, kw, R, K, 2, V);
        }
    }
    store_rows(acc, m, y, out_w, ow, activation, alpha, beta, R, V);
}

// R output rows from row `oh` at stride S (1 or 2), 32 outputs at a time, the last block masked.
AVX512 INLINE void direct_band16(const float *x, const float *zeros, const strata_window2d *g, int oh, const float *w, __m512 vb, float *y,
                                 int activation, float alpha, float beta, const int R, const int K, const int S) {
    const int out_w = g->out_w;
    float *dst = y + (size_t)oh * out_w;
    for (int ow = 0; ow < out_w; ow += 32) {
        const int outputs = out_w - ow, row0 = S * oh - g->pad_top, col0 = S * ow - g->pad_left;
        const int V = outputs > 16 ? 2 : 1;
        if (S == 1 && V == 2) direct_block16(x, zeros, g->in_h, g->in_w, row0, col0, w, vb, dst, (size_t)out_w, ow, outputs, activation, alpha, beta, R, K, 2);
        else if (S == 1) direct_block16(x, zeros, g->in_h, g->in_w, row0, col0, w, vb, dst, (size_t)out_w, ow, outputs, activation, alpha, beta, R, K, 1);
        else if (V == 2) direct_block16_s2(x, zeros, g->in_h, g->in_w, row0, col0, w, vb, dst, (size_t)out_w, ow, outputs, activation, alpha, beta, R, K, 2);
        else direct_block16_s2(x, zeros, g->in_h, g->in_w, row0, col0, w, vb, dst, (size_t)out_w, ow, outputs, activation, alpha, beta, R, K, 1);
    }
}

// The whole plane, four rows at a time and the one to three rows left.
AVX512 INLINE void direct_rows16(const float *x, const float *zeros, const strata_window2d *g, const float *w, float bias, float *y,
                                 int activation, float alpha, float beta, const int K, const int S) {
    const __m512 vb = _mm512_set1_ps(bias);
    const int out_h = g->out_h;
    int oh = 0;
    for (; oh + 4 <= out_h; oh += 4) direct_band16(x, zeros, g, oh, w, vb, y, activation, alpha, beta, 4, K, S);
    switch (out_h - oh) {
    case 3: direct_band16(x, zeros, g, oh, w, vb, y, activation, alpha, beta, 3, K, S); break;
    case 2: direct_band16(x, zeros, g, oh, w, vb, y, activation, alpha, beta, 2, K, S); break;
    case 1: direct_band16(x, zeros, g, oh, w, vb, y, activation, alpha, beta, 1, K, S); break;
    default: break;
    }
}

AVX512 void strata_depthwise_plane_avx512(const float *x, const float *w, float bias, const strata_window2d *g, float *y,
                                          float *scratch, const strata_epilogue *ep) {
    const int k = g->kernel_h, s = g->stride_w;
    if (g->kernel_w != k || (k != 3 && k != 5) || g->stride_h != s || (s != 1 && s != 2) || g->dilation_h != 1 ||
        g->dilation_w != 1 || g->pad_top < 0 || g->pad_left < 0) {
        strata_kernels_avx2.depthwise_plane(x, w, bias, g, y, scratch, ep);
        return;
    }
    const int activation = ep ? ep->activation : STRATA_ACT_NONE;
    const int fused = activation == STRATA_ACT_RELU || activation == STRATA_ACT_CLIP ? activation : STRATA_ACT_NONE;
    const float alpha = ep ? ep->alpha : 0, beta = ep ? ep->beta : 0;
    // The scratch, zero from strata_depthwise_prepare and unused here, is the rows above and below
    // the input (it holds a bordered copy of the plane for the other tiers, so at least in_w floats).
    if (s == 1) {
        if (k == 3) direct_rows16(x, scratch, g, w, bias, y, fused, alpha, beta, 3, 1);
        else direct_rows16(x, scratch, g, w, bias, y, fused, alpha, beta, 5, 1);
    } else {
        if (k == 3) direct_rows16(x, scratch, g, w, bias, y, fused, alpha, beta, 3, 2);
        else direct_rows16(x, scratch, g, w, bias, y, fused, alpha, beta, 5, 2);
    }
    if (activation != STRATA_ACT_NONE && activation != fused) {
        strata_epilogue_apply_avx512(y, y, (size_t)g->out_h * g->out_w, NULL, ep);
    }
}

// ---- Small planes, sixteen channels at a time ------------------------------------------------
//
// The template's interleaved kernel (conv2d_kernels.h, `tier_depthwise8`) with one 512-bit vector
// holding one pixel of sixteen channels instead of eight: on 7 × 7 and 14 × 14 planes each tap is
// then one FMA for sixteen channels. Every output is the template's chain (the bias, then the taps
// in row-major order, one FMA each) and the activation is the tier's, so the values are the 8-lane
// kernel's bits. Pixels go in and out of the interleaved layout through 8 × 8 transposes of each
// half of the sixteen channels, and every plane, narrow or wide, through the template's pixel
// tables (the wide-row paths there only save building them).

// Output pixels per block: eight accumulators, enough independent FMAs for two FMA units.
#define DW16_PIXELS 8

// One block of up to sixteen channels (`channels` 1…16): the template's depthwise8_block in 16 lanes.
AVX512 static void depthwise16_block(const float *x, size_t in_stride, int channels, const float *w, const float *bias,
                                     const strata_window2d *g, float *y, size_t out_stride, float *padded, float *out,
                                     float *wt, const int32_t *in_index, const int32_t *out_offset, const strata_epilogue *ep,
                                     int cols) {
    const int taps = g->kernel_h * g->kernel_w;
    const int out_n = g->out_h * g->out_w, in_n = g->in_h * g->in_w;
    for (int t = 0; t < taps; t++) {
        for (int c = 0; c < 16; c++) wt[t * 16 + c] = c < channels ? w[(size_t)c * taps + t] : 0.0f;
    }
    // Sixteen channels of eight pixels, as two 8 × 8 transposes, into their places inside the border
    // (−1: a pixel no tap reads).
    int q = 0;
    for (; q + 8 <= in_n; q += 8) {
        for (int half = 0; half < 2; half++) {
            __m256 v[8];
            for (int c = 0; c < 8; c++) {
                const int channel = half * 8 + c;
                v[c] = channel < channels ? _mm256_loadu_ps(x + (size_t)channel * in_stride + q) : _mm256_setzero_ps();
            }
            v8_transpose(v);
            for (int j = 0; j < 8; j++) {
                if (in_index[q + j] >= 0) _mm256_storeu_ps(padded + (size_t)in_index[q + j] * 16 + half * 8, v[j]);
            }
        }
    }
    for (; q < in_n; q++) {
        if (in_index[q] < 0) continue;
        float *dst = padded + (size_t)in_index[q] * 16;
        for (int c = 0; c < 16; c++) dst[c] = c < channels ? x[(size_t)c * in_stride + q] : 0.0f;
    }

    float b16[16] = {0};
    for (int c = 0; c < channels; c++) b16[c] = bias ? bias[c] : 0.0f;
    const __m512 vb = _mm512_loadu_ps(b16);
    const int kh_n = g->kernel_h, kw_n = g->kernel_w;
    const size_t row_step = (size_t)g->dilation_h * cols * 16, tap_step = (size_t)g->dilation_w * 16;
    for (int p = 0; p < out_n; p += DW16_PIXELS) {
        // Offsets of the block's pixels' first taps; a short last block repeats its last pixel.
        size_t off[DW16_PIXELS];
        for (int j = 0; j < DW16_PIXELS; j++) off[j] = (size_t)out_offset[p + j < out_n ? p + j : out_n - 1] * 16;
        __m512 a0 = vb, a1 = vb, a2 = vb, a3 = vb, a4 = vb, a5 = vb, a6 = vb, a7 = vb;
        for (int kh = 0; kh < kh_n; kh++) {
            const float *row = padded + (size_t)kh * row_step;
            const float *wk = wt + (size_t)kh * kw_n * 16;
            for (int kw = 0; kw < kw_n; kw++) {
                const __m512 wv = _mm512_loadu_ps(wk + kw * 16);
                const float *src = row + kw * tap_step;
                a0 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(src + off[0]), a0);
                a1 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(src + off[1]), a1);
                a2 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(src + off[2]), a2);
                a3 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(src + off[3]), a3);
                a4 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(src + off[4]), a4);
                a5 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(src + off[5]), a5);
                a6 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(src + off[6]), a6);
                a7 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(src + off[7]), a7);
            }
        }
        const __m512 acc[DW16_PIXELS] = {a0, a1, a2, a3, a4, a5, a6, a7};
        for (int j = 0; j < DW16_PIXELS && p + j < out_n; j++) _mm512_storeu_ps(out + (size_t)(p + j) * 16, acc[j]);
    }

    // The activation over the block, then each pixel's channels back into their planes.
    if (ep && ep->activation != STRATA_ACT_NONE) strata_epilogue_apply_avx512(out, out, (size_t)out_n * 16, NULL, ep);
    int i = 0;
    for (; i + 8 <= out_n; i += 8) {
        for (int half = 0; half < 2 && half * 8 < channels; half++) {
            __m256 v[8];
            for (int j = 0; j < 8; j++) v[j] = _mm256_loadu_ps(out + (size_t)(i + j) * 16 + half * 8);
            v8_transpose(v);
            for (int c = 0; c < 8 && half * 8 + c < channels; c++) _mm256_storeu_ps(y + (size_t)(half * 8 + c) * out_stride + i, v[c]);
        }
    }
    for (; i < out_n; i++) {
        for (int c = 0; c < channels; c++) y[(size_t)c * out_stride + i] = out[(size_t)i * 16 + c];
    }
}

AVX512 void strata_depthwise8_avx512(const float *x, size_t in_stride, int channels, const float *w, const float *bias,
                                     const strata_window2d *g, float *y, size_t out_stride, float *scratch,
                                     const strata_epilogue *ep) {
    if (g->pad_top < 0 || g->pad_left < 0) {
        strata_kernels_avx2.depthwise8(x, in_stride, channels, w, bias, g, y, out_stride, scratch, ep);
        return;
    }
    // Every plane, narrow or wide, through the pixel tables.
    strata_interleaved_layout l;
    strata_interleaved_prepare(g, 16, INT32_MAX, scratch, &l);
    const int taps = g->kernel_h * g->kernel_w;
    for (int c0 = 0; c0 < channels; c0 += 16) {
        const int count = channels - c0 < 16 ? channels - c0 : 16;
        depthwise16_block(x + (size_t)c0 * in_stride, in_stride, count, w + (size_t)c0 * taps, bias ? bias + c0 : NULL, g,
                          y + (size_t)c0 * out_stride, out_stride, l.padded, l.out, l.wt, l.in_index, l.out_offset, ep,
                          l.cols);
    }
}

#endif

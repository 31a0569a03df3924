// The AVX-512 tier's depthwise plane (x86-64 only). For the common windows (3×3 and 5×5, stride 1
// or 2, no dilation) it is conv2d_kernels.h's depthwise_rows at sixteen lanes: a 28-wide row is one
// full and one masked vector instead of two full ones, one masked one and a copied remainder, and
// each instruction does twice the work. The chains are the template's (bias, then the taps in
// row-major order, one FMA each), so every output has the AVX2 tier's bits. Other windows go to the
// AVX2 tier's plane.

#if defined(__x86_64__)

#include <immintrin.h>

#include "math16.h"
#include "tiers.h"
#include "window_border.h"

#pragma STDC FP_CONTRACT OFF

#define INLINE static inline __attribute__((always_inline))

// The lanes one vector of a block uses: `store` its outputs, `low` and `high` the input values they
// read (at stride 2, sixteen outputs read 31 values over two vectors). Masked loads read nothing
// past the last tap of the last output, which the padded copy always holds.
typedef struct {
    __mmask16 store, low, high;
} lanes16;

INLINE lanes16 lanes_for(int outputs, int stride) {
    const int n = outputs < 0 ? 0 : outputs > 16 ? 16 : outputs;
    const int need = n > 0 ? (n - 1) * stride + 1 : 0;
    return (lanes16){first_lanes16((size_t)n), first_lanes16((size_t)need), first_lanes16(need > 16 ? (size_t)need - 16 : 0)};
}

AVX512 INLINE __m512 load_every16(const float *p, const int S, lanes16 m) {
    if (S == 1) return _mm512_maskz_loadu_ps(m.low, p);
    const __m512 a = _mm512_maskz_loadu_ps(m.low, p), b = _mm512_maskz_loadu_ps(m.high, p + 16);
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(a, even, b);
}

// R (at most 4) output rows of up to 16·V pixels from column `ow` (`outputs` of them), as the
// template's depthwise_block: R, KH, KW, S and V are constants at each call.
AVX512 INLINE void block16(const float *top, size_t cols, const float *w, __m512 vb, float *y, size_t out_w, int ow,
                           int outputs, const int R, const int KH, const int KW, const int S, const int V) {
    lanes16 m[2];
    for (int v = 0; v < V; v++) m[v] = lanes_for(outputs - 16 * v, S);
    __m512 acc[4][2];
    for (int i = 0; i < R; i++) {
        for (int v = 0; v < V; v++) acc[i][v] = vb;
    }
    for (int r = 0; r < KH + (R - 1) * S; r++) {
        const float *row = top + (size_t)r * cols + (size_t)ow * S;
        for (int kw = 0; kw < KW; kw++) {
            __m512 in[2];
            for (int v = 0; v < V; v++) in[v] = load_every16(row + kw + 16 * S * v, S, m[v]);
            for (int i = 0; i < R; i++) {
                const int kh = r - S * i;
                if (kh < 0 || kh >= KH) continue;
                const __m512 wv = _mm512_set1_ps(w[kh * KW + kw]);
                for (int v = 0; v < V; v++) acc[i][v] = _mm512_fmadd_ps(wv, in[v], acc[i][v]);
            }
        }
    }
    for (int i = 0; i < R; i++) {
        for (int v = 0; v < V; v++) _mm512_mask_storeu_ps(y + (size_t)i * out_w + ow + 16 * v, m[v].store, acc[i][v]);
    }
}

// R output rows, 32 pixels at a time, the last block masked.
AVX512 INLINE void band16(const float *top, size_t cols, const float *w, __m512 vb, float *y, int out_w, const int R, const int KH, const int KW, const int S) {
    for (int ow = 0; ow < out_w; ow += 32) {
        const int outputs = out_w - ow;
        if (outputs > 16) block16(top, cols, w, vb, y, (size_t)out_w, ow, outputs, R, KH, KW, S, 2);
        else block16(top, cols, w, vb, y, (size_t)out_w, ow, outputs, R, KH, KW, S, 1);
    }
}

AVX512 INLINE void rows16(const float *padded, size_t cols, const float *w, float bias, float *y, int out_h, int out_w,
                          const int KH, const int KW, const int S) {
    const __m512 vb = _mm512_set1_ps(bias);
    int oh = 0;
    for (; oh + 4 <= out_h; oh += 4) {
        band16(padded + (size_t)oh * S * cols, cols, w, vb, y + (size_t)oh * out_w, out_w, 4, KH, KW, S);
    }
    const float *top = padded + (size_t)oh * S * cols;
    float *dst = y + (size_t)oh * out_w;
    switch (out_h - oh) {
    case 3: band16(top, cols, w, vb, dst, out_w, 3, KH, KW, S); break;
    case 2: band16(top, cols, w, vb, dst, out_w, 2, KH, KW, S); break;
    case 1: band16(top, cols, w, vb, dst, out_w, 1, KH, KW, S); break;
    default: break;
    }
}

AVX512 void strata_depthwise_plane_avx512(const float *x, const float *w, float bias, const strata_window2d *g, float *y,
                                          float *scratch, const strata_epilogue *ep) {
    const int k = g->kernel_h, s = g->stride_w;
    if (g->kernel_w != k || (k != 3 && k != 5) || g->stride_h != s || (s != 1 && s != 2) || g->dilation_h != 1 ||
        g->dilation_w != 1) {
        strata_kernels_avx2.depthwise_plane(x, w, bias, g, y, scratch, ep);
        return;
    }
    int rows, cols;
    strata_padded_extent(g, &rows, &cols);
    // The border stays zero from strata_depthwise_prepare; only the input's rows are copied in.
    strata_copy_into_border(x, g, rows, cols, scratch);
    const size_t c = (size_t)cols;
    if (k == 3) {
        if (s == 1) rows16(scratch, c, w, bias, y, g->out_h, g->out_w, 3, 3, 1);
        else rows16(scratch, c, w, bias, y, g->out_h, g->out_w, 3, 3, 2);
    } else {
        if (s == 1) rows16(scratch, c, w, bias, y, g->out_h, g->out_w, 5, 5, 1);
        else rows16(scratch, c, w, bias, y, g->out_h, g->out_w, 5, 5, 2);
    }
    // As one pass over the plane: applied as each block is stored, the activation's switch cost
    // more than the pass (C harness, 144 × 56 × 56 3×3 SiLU: 0.26 → 0.28 ms).
    if (ep && ep->activation != STRATA_ACT_NONE) strata_epilogue_apply_avx512(y, y, (size_t)g->out_h * g->out_w, NULL, ep);
}

#endif

// The AVX-512 tier's own single-precision matrix product (x86-64 only), used by the convolutions.
// A 12×32 block of C lives in 24 registers while a packed 32-column panel of B (kept in L1)
// streams past broadcasts of A's 12 rows, read in place; the last rows use an 8- or 4-row block.

#if defined(__x86_64__)

#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "CStrataKernels.h"
#include "tiers.h"

#pragma STDC FP_CONTRACT OFF

#define MR 12
#define NR 32
#define KC 256

#define AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma")))

_Static_assert(KC * NR == STRATA_SGEMM_SCRATCH, "strata_sgemm_scratch() is one packed panel");
_Static_assert(NR == STRATA_SGEMM_PANEL, "strata_sgemm_pack_b packs the panels this GEMM reads");

// Rows [k0, k0+kc) and columns [n0, n0+cols) of B into a kc × NR panel, zeros past `cols`.
static void pack_panel(const float *b, int ldb, int k0, int kc, int n0, int cols, float *panel) {
    for (int p = 0; p < kc; p++) {
        const float *src = b + (size_t)(k0 + p) * ldb + n0;
        float *dst = panel + (size_t)p * NR;
        if (cols == NR) {
            memcpy(dst, src, sizeof(float) * NR);
        } else {
            memcpy(dst, src, sizeof(float) * cols);
            memset(dst + cols, 0, sizeof(float) * (NR - cols));
        }
    }
}

// The 16-lane twin of math8.h's strata_sigmoid8 (exp8_reduced, one 2^n scale, the same range): the
// same operations in the same order, so every lane gets exactly the value the 8-lane code (and the
// separate activation kernels) would give.
AVX512 static inline __attribute__((always_inline)) __m512 sigmoid16(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f), low = _mm512_set1_ps(-87.0f), high = _mm512_set1_ps(88.0f);
    const __m512 negated = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000)));
    const __m512 c = _mm512_min_ps(high, _mm512_max_ps(low, negated));
    const __m512 shifter = _mm512_set1_ps(12582912.0f);
    const __m512 shifted = _mm512_fmadd_ps(c, _mm512_set1_ps(1.44269504088896341f), shifter);
    const __m512 n = _mm512_sub_ps(shifted, shifter);
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-0.693359375f), c);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    const __m512 r2 = _mm512_mul_ps(r, r);
    const __m512 y = _mm512_fmadd_ps(p, r2, _mm512_add_ps(r, one));
    const __m512i n_bits = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_castps_si512(shifter));
    const __m512 e = _mm512_mul_ps(y, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n_bits, _mm512_set1_epi32(127)), 23)));
    const __m512 s = _mm512_div_ps(one, _mm512_add_ps(one, e));
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(-88.0f), _CMP_LT_OQ), s, _mm512_setzero_ps());
}

// The activation on 16 lanes: math8.h's strata_activate8, operation for operation (all but the
// erf GELU, which the GEMM never applies and strata_epilogue_apply_avx512 hands to the AVX2 tier).
AVX512 static inline __attribute__((always_inline)) __m512 act16(__m512 v, const int activation, float alpha, float beta) {
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
    switch (activation) {
    case STRATA_ACT_RELU:
        return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), v, zero);
    case STRATA_ACT_CLIP:
        return _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(alpha)), _mm512_set1_ps(beta));
    case STRATA_ACT_LEAKY_RELU:
        return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), v, _mm512_mul_ps(_mm512_set1_ps(alpha), v));
    case STRATA_ACT_SIGMOID:
        return sigmoid16(v);
    case STRATA_ACT_SILU:
        return _mm512_mul_ps(v, sigmoid16(v));
    case STRATA_ACT_HARD_SIGMOID: {
        const __m512 t = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(alpha), v), _mm512_set1_ps(beta));
        return _mm512_max_ps(_mm512_min_ps(t, one), zero);
    }
    case STRATA_ACT_HARD_SWISH: {
        const __m512 t = _mm512_add_ps(_mm512_div_ps(v, _mm512_set1_ps(6.0f)), _mm512_set1_ps(0.5f));
        return _mm512_mul_ps(v, _mm512_max_ps(_mm512_min_ps(t, one), zero));
    }
    default:
        return v;
    }
}

// act(v + bias) on 16 lanes, for the GEMM's stores.
AVX512 static inline __attribute__((always_inline)) __m512 activate16(__m512 v, float bias, const strata_epilogue *ep) {
    return act16(_mm512_add_ps(v, _mm512_set1_ps(bias)), ep->activation, ep->alpha, ep->beta);
}

// y[i] = act(x[i] + *bias) (no addition without a bias, as in math8.h's epilogue_loop, so that -0
// stays -0), sixteen values at a time and the tail masked; `activation` is a constant at each call.
AVX512 static inline __attribute__((always_inline)) void epilogue16(const float *x, float *y, size_t n, const float *bias,
                                                                   const strata_epilogue *ep, const int activation) {
    const __m512 b = _mm512_set1_ps(bias ? *bias : 0.0f);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        if (bias) v = _mm512_add_ps(v, b);
        _mm512_storeu_ps(y + i, act16(v, activation, ep->alpha, ep->beta));
    }
    if (i < n) {
        const __mmask16 tail = (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_maskz_loadu_ps(tail, x + i);
        if (bias) v = _mm512_add_ps(v, b);
        _mm512_mask_storeu_ps(y + i, tail, act16(v, activation, ep->alpha, ep->beta));
    }
}

// strata_epilogue_apply in the AVX-512 tier: the activations of math8.h at twice the width (on a
// Zen 4 core a SiLU costs 0.30 ns a value here, 0.47 in the AVX2 tier's 8-lane loop).
AVX512 void strata_epilogue_apply_avx512(const float *x, float *y, size_t n, const float *bias, const strata_epilogue *ep) {
    switch (ep->activation) {
    case STRATA_ACT_NONE: epilogue16(x, y, n, bias, ep, STRATA_ACT_NONE); break;
    case STRATA_ACT_RELU: epilogue16(x, y, n, bias, ep, STRATA_ACT_RELU); break;
    case STRATA_ACT_CLIP: epilogue16(x, y, n, bias, ep, STRATA_ACT_CLIP); break;
    case STRATA_ACT_LEAKY_RELU: epilogue16(x, y, n, bias, ep, STRATA_ACT_LEAKY_RELU); break;
    case STRATA_ACT_SIGMOID: epilogue16(x, y, n, bias, ep, STRATA_ACT_SIGMOID); break;
    case STRATA_ACT_SILU: epilogue16(x, y, n, bias, ep, STRATA_ACT_SILU); break;
    case STRATA_ACT_HARD_SIGMOID: epilogue16(x, y, n, bias, ep, STRATA_ACT_HARD_SIGMOID); break;
    case STRATA_ACT_HARD_SWISH: epilogue16(x, y, n, bias, ep, STRATA_ACT_HARD_SWISH); break;
    default:
        // The erf GELU has no 16-lane twin here (its erf is the unary op's 8-lane one).
        strata_kernels_avx2.epilogue_apply(x, y, n, bias, ep);
        break;
    }
}

// C[rows × NR-masked] (+)= A[rows × kc] · panel for up to R rows of A starting at `a`; R and H (the
// 16-column halves of the panel that hold columns: 1 for a last panel of at most 16) are constants
// at each call, so the R×H accumulators stay in registers and an empty half costs no FMAs. Rows
// past `rows` repeat row 0 and are not stored. With `ep` (only on the last K block) each stored
// row gets its epilogue.
AVX512 static inline __attribute__((always_inline)) void kernel_block(
    int kc, const float *a, int lda, const float *panel, float *c, int ldc, int rows, __mmask16 m0, __mmask16 m1,
    int accumulate, const strata_epilogue *ep, const float *bias, const int R, const int H) {
    __m512 acc[MR][2];
    for (int i = 0; i < R; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    const float *ar[MR];
    for (int i = 0; i < R; i++) ar[i] = a + (size_t)(i < rows ? i : 0) * lda;
    for (int p = 0; p < kc; p++) {
        const __m512 b0 = _mm512_loadu_ps(panel + (size_t)p * NR);
        const __m512 b1 = H == 2 ? _mm512_loadu_ps(panel + (size_t)p * NR + 16) : _mm512_setzero_ps();
        for (int i = 0; i < R; i++) {
            const __m512 ai = _mm512_set1_ps(ar[i][p]);
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
            if (H == 2) acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
    for (int i = 0; i < R && i < rows; i++) {
        float *row = c + (size_t)i * ldc;
        __m512 v0 = acc[i][0], v1 = acc[i][1];
        if (accumulate) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, row));
            if (H == 2) v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, row + 16));
        }
        if (ep) {
            const float b = bias ? bias[i] : 0.0f;
            v0 = activate16(v0, b, ep);
            if (H == 2) v1 = activate16(v1, b, ep);
        }
        _mm512_mask_storeu_ps(row, m0, v0);
        if (H == 2) _mm512_mask_storeu_ps(row + 16, m1, v1);
    }
}

#define STRATA_SGEMM_KERNEL(NAME, R, H)                                                                          \
    AVX512 static void NAME(int kc, const float *a, int lda, const float *panel, float *c, int ldc, int rows,     \
                            __mmask16 m0, __mmask16 m1, int accumulate, const strata_epilogue *ep, const float *bias) { \
        kernel_block(kc, a, lda, panel, c, ldc, rows, m0, m1, accumulate, ep, bias, R, H);                       \
    }
STRATA_SGEMM_KERNEL(kernel_12, 12, 2)
STRATA_SGEMM_KERNEL(kernel_8, 8, 2)
STRATA_SGEMM_KERNEL(kernel_4, 4, 2)
STRATA_SGEMM_KERNEL(kernel_12_half, 12, 1)
STRATA_SGEMM_KERNEL(kernel_8_half, 8, 1)
STRATA_SGEMM_KERNEL(kernel_4_half, 4, 1)

// The kernel of strata_sgemm_packed_at: A stored by columns (A(i, p) at a[p·lda + i], so a row
// block's twelve values for one p share a cache line), the sums of earlier K blocks in `c` (rows of
// NR floats) when `accumulate`. Blocks before the last store to `c`; the last one (y non-NULL)
// adds bias[j] and the activation, then stores row i of the block into column i of y (rows of y
// ldy apart), sixteen lanes scattered at a time.
AVX512 static inline __attribute__((always_inline)) void kernel_block_at(
    int kc, const float *a, int lda, const float *panel, float *c, int rows, __mmask16 m0, __mmask16 m1,
    int accumulate, float *y, int ldy, const strata_epilogue *ep, const float *bias, const int R, const int H) {
    __m512 acc[MR][2];
    for (int i = 0; i < R; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    int at[MR];
    for (int i = 0; i < R; i++) at[i] = i < rows ? i : 0;
    for (int p = 0; p < kc; p++) {
        const float *ap = a + (size_t)p * lda;
        const __m512 b0 = _mm512_loadu_ps(panel + (size_t)p * NR);
        const __m512 b1 = H == 2 ? _mm512_loadu_ps(panel + (size_t)p * NR + 16) : _mm512_setzero_ps();
        for (int i = 0; i < R; i++) {
            const __m512 ai = _mm512_set1_ps(ap[at[i]]);
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
            if (H == 2) acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
    const __m512i lanes = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                             _mm512_set1_epi32(ldy));
    const __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    const __m512 bias1 = bias && H == 2 ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
    for (int i = 0; i < R && i < rows; i++) {
        float *row = c + (size_t)i * NR;
        __m512 v0 = acc[i][0], v1 = acc[i][1];
        if (accumulate) {
            v0 = _mm512_add_ps(v0, _mm512_loadu_ps(row));
            if (H == 2) v1 = _mm512_add_ps(v1, _mm512_loadu_ps(row + 16));
        }
        if (!y) {
            _mm512_storeu_ps(row, v0);
            if (H == 2) _mm512_storeu_ps(row + 16, v1);
            continue;
        }
        if (ep) {
            // act(v + bias) as activate16, with the bias of each lane's column.
            v0 = act16(_mm512_add_ps(v0, bias0), ep->activation, ep->alpha, ep->beta);
            if (H == 2) v1 = act16(_mm512_add_ps(v1, bias1), ep->activation, ep->alpha, ep->beta);
        }
        _mm512_mask_i32scatter_ps(y + i, m0, lanes, v0, 4);
        if (H == 2) _mm512_mask_i32scatter_ps(y + (size_t)16 * ldy + i, m1, lanes, v1, 4);
    }
}

#define STRATA_SGEMM_AT_KERNEL(NAME, R, H)                                                                      \
    AVX512 static void NAME(int kc, const float *a, int lda, const float *panel, float *c, int rows, __mmask16 m0, \
                            __mmask16 m1, int accumulate, float *y, int ldy, const strata_epilogue *ep,          \
                            const float *bias) {                                                                 \
        kernel_block_at(kc, a, lda, panel, c, rows, m0, m1, accumulate, y, ldy, ep, bias, R, H);                 \
    }
STRATA_SGEMM_AT_KERNEL(kernel_at_12, 12, 2)
STRATA_SGEMM_AT_KERNEL(kernel_at_8, 8, 2)
STRATA_SGEMM_AT_KERNEL(kernel_at_4, 4, 2)
STRATA_SGEMM_AT_KERNEL(kernel_at_12_half, 12, 1)
STRATA_SGEMM_AT_KERNEL(kernel_at_8_half, 8, 1)
STRATA_SGEMM_AT_KERNEL(kernel_at_4_half, 4, 1)

AVX512 void strata_sgemm_packed_at_avx512(int m, int k, const float *a, int lda, const float *packed, int n,
                                          int panel_begin, int panel_end, float *y, int ldy, float *scratch,
                                          const strata_epilogue *ep) {
    if (ep && ep->activation == STRATA_ACT_NONE && !ep->bias) ep = NULL;
    // One panel at a time through all of K, so that the earlier K blocks' sums of only this panel
    // (m × NR floats in `scratch`) wait for the last one.
    for (int panel_index = panel_begin; panel_index < panel_end; panel_index++) {
        const int n0 = panel_index * NR;
        if (n0 >= n) break;
        const int cols = n - n0 < NR ? n - n0 : NR;
        const __mmask16 m0 = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
        const __mmask16 m1 = cols <= 16 ? 0 : cols >= 32 ? 0xFFFF : (__mmask16)((1u << (cols - 16)) - 1);
        const float *bias = ep && ep->bias ? ep->bias + n0 : NULL;
        for (int k0 = 0; k0 < k; k0 += KC) {
            const int kc = k - k0 < KC ? k - k0 : KC;
            const float *panel = packed + (size_t)panel_index * (size_t)k * NR + (size_t)k0 * NR;
            float *out = k0 + kc >= k ? y + (size_t)n0 * ldy : NULL;
            for (int i = 0; i < m; i += MR) {
                const int rows = m - i < MR ? m - i : MR;
                const float *ai = a + (size_t)k0 * lda + i;
                float *ci = scratch + (size_t)i * NR;
                float *yi = out ? out + i : NULL;
                if (cols > 16) {
                    if (rows > 8) kernel_at_12(kc, ai, lda, panel, ci, rows, m0, m1, k0 > 0, yi, ldy, ep, bias);
                    else if (rows > 4) kernel_at_8(kc, ai, lda, panel, ci, rows, m0, m1, k0 > 0, yi, ldy, ep, bias);
                    else kernel_at_4(kc, ai, lda, panel, ci, rows, m0, m1, k0 > 0, yi, ldy, ep, bias);
                } else {
                    if (rows > 8) kernel_at_12_half(kc, ai, lda, panel, ci, rows, m0, m1, k0 > 0, yi, ldy, ep, bias);
                    else if (rows > 4) kernel_at_8_half(kc, ai, lda, panel, ci, rows, m0, m1, k0 > 0, yi, ldy, ep, bias);
                    else kernel_at_4_half(kc, ai, lda, panel, ci, rows, m0, m1, k0 > 0, yi, ldy, ep, bias);
                }
            }
        }
    }
}

// The loops of both entry points: columns [n_begin, n_end) of C, panel after panel of B, each either
// packed here into `scratch` or (with `packed`) read from panels packed once by strata_sgemm_pack_b,
// whose panel p holds columns [32p, 32p + 32) over all k rows; n_begin is then a multiple of 32.
// The kernels see the same panel contents either way, so both give the same bits.
AVX512 static inline __attribute__((always_inline)) void sgemm_columns(
    int m, int k, const float *a, int lda, const float *b, int ldb, const float *packed, int n_begin, int n_end,
    float *c, int ldc, int accumulate, float *scratch, const strata_epilogue *ep) {
    if (ep && ep->activation == STRATA_ACT_NONE && !ep->bias) ep = NULL;
    for (int k0 = 0; k0 < k; k0 += KC) {
        const int kc = k - k0 < KC ? k - k0 : KC;
        const int add = accumulate || k0 > 0;
        const strata_epilogue *last = k0 + kc >= k ? ep : NULL;
        for (int n0 = n_begin; n0 < n_end; n0 += NR) {
            const int cols = n_end - n0 < NR ? n_end - n0 : NR;
            const float *panel;
            if (packed) {
                panel = packed + (size_t)(n0 / NR) * (size_t)k * NR + (size_t)k0 * NR;
            } else {
                pack_panel(b, ldb, k0, kc, n0, cols, scratch);
                panel = scratch;
            }
            const __mmask16 m0 = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
            const __mmask16 m1 = cols <= 16 ? 0 : cols >= 32 ? 0xFFFF : (__mmask16)((1u << (cols - 16)) - 1);
            for (int i = 0; i < m; i += MR) {
                const int rows = m - i < MR ? m - i : MR;
                const float *ai = a + (size_t)i * lda + k0;
                float *ci = c + (size_t)i * ldc + n0;
                const float *bias = last && last->bias ? last->bias + i : NULL;
                if (cols > 16) {
                    if (rows > 8) kernel_12(kc, ai, lda, panel, ci, ldc, rows, m0, m1, add, last, bias);
                    else if (rows > 4) kernel_8(kc, ai, lda, panel, ci, ldc, rows, m0, m1, add, last, bias);
                    else kernel_4(kc, ai, lda, panel, ci, ldc, rows, m0, m1, add, last, bias);
                } else {
                    if (rows > 8) kernel_12_half(kc, ai, lda, panel, ci, ldc, rows, m0, m1, add, last, bias);
                    else if (rows > 4) kernel_8_half(kc, ai, lda, panel, ci, ldc, rows, m0, m1, add, last, bias);
                    else kernel_4_half(kc, ai, lda, panel, ci, ldc, rows, m0, m1, add, last, bias);
                }
            }
        }
    }
}

AVX512 void strata_sgemm_avx512(int m, int k, const float *a, int lda, const float *b, int ldb, int n_begin,
                                int n_end, float *c, int ldc, int accumulate, float *scratch,
                                const strata_epilogue *ep) {
    sgemm_columns(m, k, a, lda, b, ldb, NULL, n_begin, n_end, c, ldc, accumulate, scratch, ep);
}

AVX512 void strata_sgemm_packed_avx512(int m, int k, const float *a, int lda, const float *packed, int n,
                                       int panel_begin, int panel_end, float *c, int ldc, int accumulate,
                                       const strata_epilogue *ep) {
    const int n_end = (size_t)panel_end * NR < (size_t)n ? panel_end * NR : n;
    sgemm_columns(m, k, a, lda, NULL, 0, packed, panel_begin * NR, n_end, c, ldc, accumulate, NULL, ep);
}

#endif

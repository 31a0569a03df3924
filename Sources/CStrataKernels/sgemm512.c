// The AVX-512 tier's own single-precision matrix product (x86-64 only), used by the convolutions.
// A 12×32 block of C lives in 24 registers while a 32-column panel of B streams past broadcasts of
// A's 12 rows, read in place; the last rows use an 8- or 4-row block. B's whole panels are read in
// place too (row after row, ldb apart), unless packed once beforehand; only a ragged last panel is
// copied, into a zero-padded one.

#if defined(__x86_64__)

#include <immintrin.h>
#include <math.h>

#include "CStrataKernels.h"
#include "tiers.h"
#include "math16.h"

#pragma STDC FP_CONTRACT OFF

#define MR 12
#define NR 32
#define KC 256

_Static_assert(KC * NR == STRATA_SGEMM_SCRATCH, "strata_sgemm_scratch() is one packed panel");
_Static_assert(NR == STRATA_SGEMM_PANEL, "strata_sgemm_pack_b packs the panels this GEMM reads");

// Rows [k0, k0+kc) and columns [n0, n0+cols) of B into a kc × NR panel, zeros past `cols`. Two
// masked loads and stores a row: memcpy and memset calls for 128 bytes cost more than the copy
// (3 % of MobileNetV2's run went to memset for its partial panels).
AVX512 static void pack_panel(const float *b, int ldb, int k0, int kc, int n0, int cols, float *panel) {
    const __mmask16 m0 = first_lanes16((size_t)cols);
    const __mmask16 m1 = first_lanes16(cols > 16 ? (size_t)cols - 16 : 0);
    for (int p = 0; p < kc; p++) {
        const float *src = b + (size_t)(k0 + p) * ldb + n0;
        float *dst = panel + (size_t)p * NR;
        _mm512_storeu_ps(dst, _mm512_maskz_loadu_ps(m0, src));
        _mm512_storeu_ps(dst + 16, _mm512_maskz_loadu_ps(m1, src + 16));
    }
}

// y[i] = act(x[i] · *scale + *bias) (no product without a scale and no addition without a bias, each
// rounded on its own, as in math8.h's epilogue_loop, so that -0 stays -0), sixteen values at a time
// and the tail masked; `activation` is a constant at each call.
AVX512 static inline __attribute__((always_inline)) void epilogue16(const float *x, float *y, size_t n, const float *scale,
                                                                   const float *bias, const strata_epilogue *ep,
                                                                   const int activation) {
    const __m512 a = _mm512_set1_ps(scale ? *scale : 1.0f), b = _mm512_set1_ps(bias ? *bias : 0.0f);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        if (scale) v = _mm512_mul_ps(v, a);
        if (bias) v = _mm512_add_ps(v, b);
        _mm512_storeu_ps(y + i, activation == STRATA_ACT_GELU_ERF ? gelu_erf16_inline(v, ep->alpha, ep->beta)
                                                                  : act16(v, activation, ep->alpha, ep->beta));
    }
    if (i < n) {
        const __mmask16 tail = (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_maskz_loadu_ps(tail, x + i);
        if (scale) v = _mm512_mul_ps(v, a);
        if (bias) v = _mm512_add_ps(v, b);
        _mm512_mask_storeu_ps(y + i, tail, activation == STRATA_ACT_GELU_ERF ? gelu_erf16_inline(v, ep->alpha, ep->beta)
                                                                             : act16(v, activation, ep->alpha, ep->beta));
    }
}

// The epilogue (and the affine) in the AVX-512 tier: the activations of math8.h at twice the width
// (on a Zen 4 core a SiLU costs 0.30 ns a value here, 0.47 in the AVX2 tier's 8-lane loop).
AVX512 static void epilogue_scaled_avx512(const float *x, float *y, size_t n, const float *scale, const float *bias,
                                          const strata_epilogue *ep) {
    switch (ep->activation) {
    case STRATA_ACT_NONE: epilogue16(x, y, n, scale, bias, ep, STRATA_ACT_NONE); break;
    case STRATA_ACT_RELU: epilogue16(x, y, n, scale, bias, ep, STRATA_ACT_RELU); break;
    case STRATA_ACT_CLIP: epilogue16(x, y, n, scale, bias, ep, STRATA_ACT_CLIP); break;
    case STRATA_ACT_LEAKY_RELU: epilogue16(x, y, n, scale, bias, ep, STRATA_ACT_LEAKY_RELU); break;
    case STRATA_ACT_SIGMOID: epilogue16(x, y, n, scale, bias, ep, STRATA_ACT_SIGMOID); break;
    case STRATA_ACT_SILU: epilogue16(x, y, n, scale, bias, ep, STRATA_ACT_SILU); break;
    case STRATA_ACT_HARD_SIGMOID: epilogue16(x, y, n, scale, bias, ep, STRATA_ACT_HARD_SIGMOID); break;
    case STRATA_ACT_HARD_SWISH: epilogue16(x, y, n, scale, bias, ep, STRATA_ACT_HARD_SWISH); break;
    case STRATA_ACT_GELU_ERF: epilogue16(x, y, n, scale, bias, ep, STRATA_ACT_GELU_ERF); break;
    default:
        if (scale) strata_kernels_avx2.affine_apply(x, y, n, *scale, *bias, ep);
        else strata_kernels_avx2.epilogue_apply(x, y, n, bias, ep);
        break;
    }
}

AVX512 void strata_epilogue_apply_avx512(const float *x, float *y, size_t n, const float *bias, const strata_epilogue *ep) {
    epilogue_scaled_avx512(x, y, n, NULL, bias, ep);
}

AVX512 void strata_affine_apply_avx512(const float *x, float *y, size_t n, float scale, float shift, const strata_epilogue *ep) {
    epilogue_scaled_avx512(x, y, n, &scale, &shift, ep);
}

// Row I of a block: (+ the row already in C), then the epilogue, then stored under the column masks.
// b0 and b1 hold the bias of each lane: the row's, or each column's (column_bias).
AVX512 static inline __attribute__((always_inline)) void store_row(float *row, __m512 v0, __m512 v1, __mmask16 m0,
                                                                   __mmask16 m1, int accumulate,
                                                                   const strata_epilogue *ep, __m512 b0, __m512 b1,
                                                                   const int H) {
    if (accumulate) {
        v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, row));
        if (H == 2) v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, row + 16));
    }
    if (ep) {
        v0 = act16(_mm512_add_ps(v0, b0), ep->activation, ep->alpha, ep->beta);
        if (H == 2) v1 = act16(_mm512_add_ps(v1, b1), ep->activation, ep->alpha, ep->beta);
    }
    _mm512_mask_storeu_ps(row, m0, v0);
    if (H == 2) _mm512_mask_storeu_ps(row + 16, m1, v1);
}

// STORE_ROW(0) … STORE_ROW(MR − 1), each a no-op past R.
#define STORE_ROWS                                                                                            \
    STORE_ROW(0); STORE_ROW(1); STORE_ROW(2); STORE_ROW(3); STORE_ROW(4); STORE_ROW(5); STORE_ROW(6);          \
    STORE_ROW(7); STORE_ROW(8); STORE_ROW(9); STORE_ROW(10); STORE_ROW(11)
_Static_assert(MR == 12, "STORE_ROWS names every row of a block");

// C[rows × NR-masked] (+)= A[rows × kc] · panel for up to R rows of A starting at `a`; R and H (the
// 16-column halves of the panel that hold columns: 1 for a last panel of at most 16) are constants
// at each call, so the R×H accumulators stay in registers and an empty half costs no FMAs. Rows
// past `rows` repeat row 0 and are not stored. With `ep` (only on the last K block) each stored
// row gets its epilogue.
AVX512 static inline __attribute__((always_inline)) void kernel_block(
    int kc, const float *a, int lda, const float *panel, size_t ldp, float *c, int ldc, int rows, __mmask16 m0,
    __mmask16 m1, int accumulate, const strata_epilogue *ep, const float *bias, __m512 cb0, __m512 cb1,
    const float *prefetch, const int R, const int H) {
    __m512 acc[MR][2];
    for (int i = 0; i < R; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    const float *ar[MR];
    for (int i = 0; i < R; i++) ar[i] = a + (size_t)(i < rows ? i : 0) * lda;
    // The same rows of the next panel's C, which this block's rows reach again only after the other
    // row blocks: fetched for writing now, so that an output not in the cache (each row of a large
    // one is a stream of its own, a dozen at once) is there when stored. C harness, 96 × 16 × 12544
    // with a cold output: 0.63-0.93 → 0.64-0.74 ms, with a warm one 0.52 → 0.47. Prefetches past the
    // end of C fetch nothing and never fault.
    for (int i = 0; i < R; i++) {
        __builtin_prefetch(c + (size_t)i * ldc + NR, 1, 3);
        if (H == 2) __builtin_prefetch(c + (size_t)i * ldc + NR + 16, 1, 3);
    }
    for (int p = 0; p < kc; p++) {
        if (prefetch) {
            _mm_prefetch((const char *)(prefetch + (size_t)p * NR), _MM_HINT_T1);
            _mm_prefetch((const char *)(prefetch + (size_t)p * NR + 16), _MM_HINT_T1);
        }
        const __m512 b0 = _mm512_loadu_ps(panel + (size_t)p * ldp);
        const __m512 b1 = H == 2 ? _mm512_loadu_ps(panel + (size_t)p * ldp + 16) : _mm512_setzero_ps();
        for (int i = 0; i < R; i++) {
            const __m512 ai = _mm512_set1_ps(ar[i][p]);
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
            if (H == 2) acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
    // Row by row with constant indices (STORE_ROWS), never acc[i] for a variable i: that would make
    // the compiler keep acc in memory, zeroed by a memset call on every block (3.7 % of
    // MobileNetV2's run, whose 1×1 convolutions sum only 16 to 96 values per block).
#define STORE_ROW(I)                                                                                          \
    if (I < R && I < rows) store_row(c + (size_t)(I) * ldc, acc[I][0], acc[I][1], m0, m1, accumulate, ep,     \
                                     bias ? _mm512_set1_ps(bias[I]) : cb0, bias ? _mm512_set1_ps(bias[I]) : cb1, H)
    STORE_ROWS;
#undef STORE_ROW
}

#define STRATA_SGEMM_KERNEL(NAME, R, H)                                                                          \
    AVX512 static void NAME(int kc, const float *a, int lda, const float *panel, size_t ldp, float *c, int ldc,    \
                            int rows, __mmask16 m0, __mmask16 m1, int accumulate, const strata_epilogue *ep,      \
                            const float *bias, __m512 cb0, __m512 cb1, const float *prefetch) {                  \
        kernel_block(kc, a, lda, panel, ldp, c, ldc, rows, m0, m1, accumulate, ep, bias, cb0, cb1, prefetch, R, H); \
    }
STRATA_SGEMM_KERNEL(kernel_12, 12, 2)
STRATA_SGEMM_KERNEL(kernel_8, 8, 2)
STRATA_SGEMM_KERNEL(kernel_4, 4, 2)
STRATA_SGEMM_KERNEL(kernel_12_half, 12, 1)
STRATA_SGEMM_KERNEL(kernel_8_half, 8, 1)
STRATA_SGEMM_KERNEL(kernel_4_half, 4, 1)

// Row I of a transposed block before the last K block: (+ the sums of earlier K blocks) kept in
// `row` for the next.
AVX512 static inline __attribute__((always_inline)) void keep_row_at(float *row, __m512 v0, __m512 v1, int accumulate,
                                                                     const int H) {
    if (accumulate) {
        v0 = _mm512_add_ps(v0, _mm512_loadu_ps(row));
        if (H == 2) v1 = _mm512_add_ps(v1, _mm512_loadu_ps(row + 16));
    }
    _mm512_storeu_ps(row, v0);
    if (H == 2) _mm512_storeu_ps(row + 16, v1);
}

// r[0..15] transposed in place (r[j] lane i becomes the old r[i] lane j): unpacks, 32-bit shuffles
// within 128-bit lanes, then two rounds of 128-bit lane shuffles.
AVX512 static inline __attribute__((always_inline)) void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int h = 0; h < 16; h += 8) {
        for (int i = 0; i < 4; i++) {
            t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
            t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xDD);
        }
    }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
    }
}

// The kernel of strata_sgemm_packed_at: A stored by columns (A(i, p) at a[p·lda + i], so a row
// block's twelve values for one p share a cache line), the sums of earlier K blocks in `c` (rows of
// NR floats) when `accumulate`. Blocks before the last store to `c`; the last one (y non-NULL)
// adds bias[j] and the activation, turns each 16-column half of the block round in registers and
// stores column j's `rows` values into row j of y (rows of y ldy apart). Scattering each row's
// sixteen lanes instead cost 2-18 % of the product (C harness: 960 × 160 × 49 0.178 → 0.146 ms,
// 64 × 384 × 196 0.094 → 0.086, 1280 × 320 × 49 0.386 → 0.363).
AVX512 static inline __attribute__((always_inline)) void kernel_block_at(
    int kc, const float *a, int lda, const float *panel, float *c, int rows, __mmask16 m0, __mmask16 m1,
    int accumulate, float *y, int ldy, const strata_epilogue *ep, const float *bias, const float *prefetch, const int R,
    const int H) {
    __m512 acc[MR][2];
    for (int i = 0; i < R; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    int at[MR];
    for (int i = 0; i < R; i++) at[i] = i < rows ? i : 0;
    for (int p = 0; p < kc; p++) {
        if (prefetch) {
            _mm_prefetch((const char *)(prefetch + (size_t)p * NR), _MM_HINT_T1);
            _mm_prefetch((const char *)(prefetch + (size_t)p * NR + 16), _MM_HINT_T1);
        }
        const float *ap = a + (size_t)p * lda;
        const __m512 b0 = _mm512_loadu_ps(panel + (size_t)p * NR);
        const __m512 b1 = H == 2 ? _mm512_loadu_ps(panel + (size_t)p * NR + 16) : _mm512_setzero_ps();
        for (int i = 0; i < R; i++) {
            const __m512 ai = _mm512_set1_ps(ap[at[i]]);
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
            if (H == 2) acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
    if (!y) {
        // Row by row with constant indices, as in kernel_block.
#define STORE_ROW(I) \
    if (I < R && I < rows) keep_row_at(c + (size_t)(I) * NR, acc[I][0], acc[I][1], accumulate, H)
        STORE_ROWS;
#undef STORE_ROW
        return;
    }
    const __mmask16 pixels = first_lanes16((size_t)rows);
    _Pragma("clang loop unroll(full)")
    for (int h = 0; h < H; h++) {
        const __mmask16 columns = h == 0 ? m0 : m1;
        const __m512 b = bias ? _mm512_maskz_loadu_ps(columns, bias + 16 * h) : _mm512_setzero_ps();
        // Each row's value as store_row gives it (+ earlier K blocks, + bias, activation), rows
        // past `rows` zero; the loops unroll, so acc keeps constant indices.
        __m512 v[16];
        _Pragma("clang loop unroll(full)")
        for (int i = 0; i < 16; i++) {
            if (i < R && i < rows) {
                __m512 x = acc[i][h];
                if (accumulate) x = _mm512_add_ps(x, _mm512_loadu_ps(c + (size_t)i * NR + 16 * h));
                if (ep) x = act16(_mm512_add_ps(x, b), ep->activation, ep->alpha, ep->beta);
                v[i] = x;
            } else {
                v[i] = _mm512_setzero_ps();
            }
        }
        transpose16(v);
        _Pragma("clang loop unroll(full)")
        for (int j = 0; j < 16; j++) {
            if (columns >> j & 1) _mm512_mask_storeu_ps(y + (size_t)(16 * h + j) * ldy, pixels, v[j]);
        }
    }
}

#define STRATA_SGEMM_AT_KERNEL(NAME, R, H)                                                                      \
    AVX512 static void NAME(int kc, const float *a, int lda, const float *panel, float *c, int rows, __mmask16 m0, \
                            __mmask16 m1, int accumulate, float *y, int ldy, const strata_epilogue *ep,          \
                            const float *bias, const float *prefetch) {                                          \
        kernel_block_at(kc, a, lda, panel, c, rows, m0, m1, accumulate, y, ldy, ep, bias, prefetch, R, H);       \
    }
STRATA_SGEMM_AT_KERNEL(kernel_at_12, 12, 2)
STRATA_SGEMM_AT_KERNEL(kernel_at_8, 8, 2)
STRATA_SGEMM_AT_KERNEL(kernel_at_4, 4, 2)
STRATA_SGEMM_AT_KERNEL(kernel_at_12_half, 12, 1)
STRATA_SGEMM_AT_KERNEL(kernel_at_8_half, 8, 1)
STRATA_SGEMM_AT_KERNEL(kernel_at_4_half, 4, 1)
STRATA_SGEMM_AT_KERNEL(kernel_at_7, 7, 2)
STRATA_SGEMM_AT_KERNEL(kernel_at_7_half, 7, 1)

AVX512 void strata_sgemm_packed_at_avx512(int m, int k, const float *a, int lda, const float *packed, int n,
                                          int panel_begin, int panel_end, float *y, int ldy, float *scratch,
                                          const strata_epilogue *ep) {
    if (ep && ep->activation == STRATA_ACT_NONE && !ep->bias) ep = NULL;
    // Rows in blocks of 12, but a 7 × 7 map's 49 pixels (and other multiples of 7 that leave one to
    // three rows over) in blocks of 7: 4 × 12 + 1 computed a last block of 4 rows for one, 6 % of
    // the work thrown away (each row's sums are the same either way).
    const int block = m % MR >= 1 && m % MR <= 3 && m % 7 == 0 ? 7 : MR;
    // One panel at a time through all of K, so that the earlier K blocks' sums of only this panel
    // (m × NR floats in `scratch`) wait for the last one.
    for (int panel_index = panel_begin; panel_index < panel_end; panel_index++) {
        const int n0 = panel_index * NR;
        if (n0 >= n) break;
        const int cols = n - n0 < NR ? n - n0 : NR;
        const __mmask16 m0 = first_lanes16((size_t)cols);
        const __mmask16 m1 = first_lanes16(cols > 16 ? (size_t)cols - 16 : 0);
        const float *bias = ep && ep->bias ? ep->bias + n0 : NULL;
        for (int k0 = 0; k0 < k; k0 += KC) {
            const int kc = k - k0 < KC ? k - k0 : KC;
            const float *panel = packed + (size_t)panel_index * (size_t)k * NR + (size_t)k0 * NR;
            float *out = k0 + kc >= k ? y + (size_t)n0 * ldy : NULL;
            // The chunk of B the next step reads (this panel's next K block, or the next panel's
            // first), fetched into L2 while the first row block runs, as in sgemm_columns.
            const float *next = k0 + KC < k ? panel + (size_t)KC * NR
                                : panel_index + 1 < panel_end && n0 + NR < n ? packed + (size_t)(panel_index + 1) * (size_t)k * NR
                                                                           : NULL;
            for (int i = 0; i < m; i += block) {
                const int rows = m - i < block ? m - i : block;
                const float *ai = a + (size_t)k0 * lda + i;
                float *ci = scratch + (size_t)i * NR;
                float *yi = out ? out + i : NULL;
                if (block == 7) {
                    if (cols > 16) kernel_at_7(kc, ai, lda, panel, ci, rows, m0, m1, k0 > 0, yi, ldy, ep, bias, i == 0 ? next : NULL);
                    else kernel_at_7_half(kc, ai, lda, panel, ci, rows, m0, m1, k0 > 0, yi, ldy, ep, bias, i == 0 ? next : NULL);
                } else if (cols > 16) {
                    if (rows > 8) kernel_at_12(kc, ai, lda, panel, ci, rows, m0, m1, k0 > 0, yi, ldy, ep, bias, i == 0 ? next : NULL);
                    else if (rows > 4) kernel_at_8(kc, ai, lda, panel, ci, rows, m0, m1, k0 > 0, yi, ldy, ep, bias, i == 0 ? next : NULL);
                    else kernel_at_4(kc, ai, lda, panel, ci, rows, m0, m1, k0 > 0, yi, ldy, ep, bias, i == 0 ? next : NULL);
                } else {
                    if (rows > 8) kernel_at_12_half(kc, ai, lda, panel, ci, rows, m0, m1, k0 > 0, yi, ldy, ep, bias, i == 0 ? next : NULL);
                    else if (rows > 4) kernel_at_8_half(kc, ai, lda, panel, ci, rows, m0, m1, k0 > 0, yi, ldy, ep, bias, i == 0 ? next : NULL);
                    else kernel_at_4_half(kc, ai, lda, panel, ci, rows, m0, m1, k0 > 0, yi, ldy, ep, bias, i == 0 ? next : NULL);
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
    if (ep && ep->activation == STRATA_ACT_NONE && !ep->bias && !ep->column_bias) ep = NULL;
    for (int k0 = 0; k0 < k; k0 += KC) {
        const int kc = k - k0 < KC ? k - k0 : KC;
        const int add = accumulate || k0 > 0;
        const strata_epilogue *last = k0 + kc >= k ? ep : NULL;
        for (int n0 = n_begin; n0 < n_end; n0 += NR) {
            const int cols = n_end - n0 < NR ? n_end - n0 : NR;
            const float *panel, *next = NULL;
            size_t ldp = NR;
            if (!packed && cols == NR) {
                // A whole panel read where it is: copying it first cost more than the strided reads
                // (C harness, ms, packed / in place: MobileNetV2's 16 × 32 × 12544 projection 0.162 /
                // 0.132, 24 × 144 × 3136 0.263 / 0.196, 64 × 384 × 196 0.097 / 0.091; 64 × 256 × 1024,
                // whose rows are 4 KB apart, 0.336 / 0.296; 256 × 2304 × 196 2.26 / 2.17).
                panel = b + (size_t)k0 * ldb + n0;
                ldp = (size_t)ldb;
            } else if (packed) {
                panel = packed + (size_t)(n0 / NR) * (size_t)k * NR + (size_t)k0 * NR;
                // The panel the next step reads (this K block's next one, or the next K block's first),
                // fetched into L2 while the first row block runs: a weight read once per run comes from
                // memory, and the hardware's prefetcher does not cross from one panel to the next.
                if (n0 + NR < n_end) next = panel + (size_t)k * NR;
                else if (k0 + KC < k) next = packed + (size_t)(n_begin / NR) * (size_t)k * NR + (size_t)(k0 + KC) * NR;
            } else {
                pack_panel(b, ldb, k0, kc, n0, cols, scratch);
                panel = scratch;
            }
            const __mmask16 m0 = first_lanes16((size_t)cols);
            const __mmask16 m1 = first_lanes16(cols > 16 ? (size_t)cols - 16 : 0);
            const float *column_bias = last && !last->bias ? last->column_bias : NULL;
            const __m512 cb0 = column_bias ? _mm512_maskz_loadu_ps(m0, column_bias + n0) : _mm512_setzero_ps();
            const __m512 cb1 = column_bias ? _mm512_maskz_loadu_ps(m1, column_bias + n0 + 16) : _mm512_setzero_ps();
            for (int i = 0; i < m; i += MR) {
                const int rows = m - i < MR ? m - i : MR;
                const float *ai = a + (size_t)i * lda + k0;
                float *ci = c + (size_t)i * ldc + n0;
                const float *bias = last && last->bias ? last->bias + i : NULL;
                if (cols > 16) {
                    if (rows > 8) kernel_12(kc, ai, lda, panel, ldp, ci, ldc, rows, m0, m1, add, last, bias, cb0, cb1, i == 0 ? next : NULL);
                    else if (rows > 4) kernel_8(kc, ai, lda, panel, ldp, ci, ldc, rows, m0, m1, add, last, bias, cb0, cb1, i == 0 ? next : NULL);
                    else kernel_4(kc, ai, lda, panel, ldp, ci, ldc, rows, m0, m1, add, last, bias, cb0, cb1, i == 0 ? next : NULL);
                } else {
                    if (rows > 8) kernel_12_half(kc, ai, lda, panel, ldp, ci, ldc, rows, m0, m1, add, last, bias, cb0, cb1, i == 0 ? next : NULL);
                    else if (rows > 4) kernel_8_half(kc, ai, lda, panel, ldp, ci, ldc, rows, m0, m1, add, last, bias, cb0, cb1, i == 0 ? next : NULL);
                    else kernel_4_half(kc, ai, lda, panel, ldp, ci, ldc, rows, m0, m1, add, last, bias, cb0, cb1, i == 0 ? next : NULL);
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

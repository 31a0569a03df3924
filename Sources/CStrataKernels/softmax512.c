// The AVX-512 tier's softmax rows (x86-64 only): softmax_kernels.h's steps at sixteen lanes, with
// the same values. The exp is math16.h's twin of exp8_at_most_zero; the sum keeps the template's 32
// running sums (the 8-lane vectors a0 … a3 are the halves of two 16-lane ones) and adds them up in
// its order; the maximum is exact whatever the order.

#if defined(__x86_64__)

#include <immintrin.h>

#include "math16.h"
#include "tiers.h"

#pragma STDC FP_CONTRACT OFF

#define INLINE static inline __attribute__((always_inline))

// The largest of p[0..n) (n > 0).
AVX512 INLINE float row_maximum(const float *p, size_t n) {
    __m512 lanes = _mm512_set1_ps(p[0]);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) lanes = _mm512_max_ps(_mm512_loadu_ps(p + i), lanes);
    if (i < n) lanes = _mm512_mask_max_ps(lanes, first_lanes16(n - i), _mm512_maskz_loadu_ps(first_lanes16(n - i), p + i), lanes);
    return _mm512_reduce_max_ps(lanes);
}

// e^(x[i] − m) into y[i], and their sum as softmax_total adds it.
AVX512 INLINE float exponentiate_and_total(const float *x, float *y, size_t n, float m) {
    const __m512 vm = _mm512_set1_ps(m);
    __m512 low = _mm512_setzero_ps(), high = low;  // [a0 | a1] and [a2 | a3] of softmax_total
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m512 e0 = exp16_at_most_zero(_mm512_sub_ps(_mm512_loadu_ps(x + i), vm));
        const __m512 e1 = exp16_at_most_zero(_mm512_sub_ps(_mm512_loadu_ps(x + i + 16), vm));
        _mm512_storeu_ps(y + i, e0);
        _mm512_storeu_ps(y + i + 16, e1);
        low = _mm512_add_ps(low, e0);
        high = _mm512_add_ps(high, e1);
    }
    // Whole 8-value vectors go into a0 (the low half of `low`), as in softmax_total; the last
    // n % 8 values are added one by one after the lanes are summed.
    for (; i + 8 <= n; i += 8) {
        const __m512 e = exp16_at_most_zero(_mm512_sub_ps(_mm512_maskz_loadu_ps(0xFF, x + i), vm));
        _mm512_mask_storeu_ps(y + i, 0xFF, e);
        low = _mm512_mask_add_ps(low, 0xFF, low, e);
    }
    float tail[16] = {0};
    if (i < n) {
        const __mmask16 rest = first_lanes16(n - i);
        const __m512 e = exp16_at_most_zero(_mm512_sub_ps(_mm512_maskz_loadu_ps(rest, x + i), vm));
        _mm512_mask_storeu_ps(y + i, rest, e);
        _mm512_storeu_ps(tail, e);
    }
    // v = (a0 + a1) + (a2 + a3), then ((v0 + v1) + (v2 + v3)) + ((v4 + v5) + (v6 + v7)).
    const __m256 a01 = _mm256_add_ps(_mm512_castps512_ps256(low), _mm512_extractf32x8_ps(low, 1));
    const __m256 a23 = _mm256_add_ps(_mm512_castps512_ps256(high), _mm512_extractf32x8_ps(high, 1));
    float v[8];
    _mm256_storeu_ps(v, _mm256_add_ps(a01, a23));
    float s = ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
    for (size_t k = 0; i + k < n; k++) s += tail[k];
    return s;
}

AVX512 void strata_softmax_rows_avx512(const float *x, float *y, size_t rows, size_t n) {
    if (n == 0) return;
    for (size_t r = 0; r < rows; r++) {
        const float *src = x + r * n;
        float *dst = y + r * n;
        const float inverse = 1.0f / exponentiate_and_total(src, dst, n, row_maximum(src, n));
        const __m512 scale = _mm512_set1_ps(inverse);
        size_t i = 0;
        for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, _mm512_mul_ps(_mm512_loadu_ps(dst + i), scale));
        if (i < n) {
            const __mmask16 rest = first_lanes16(n - i);
            _mm512_mask_storeu_ps(dst + i, rest, _mm512_mul_ps(_mm512_maskz_loadu_ps(rest, dst + i), scale));
        }
    }
}

#endif

#ifndef STRATA_EPILOGUE_H
#define STRATA_EPILOGUE_H

// The activations of strata_epilogue on 8 lanes, inlined into the kernels that store outputs.
// exp uses the constants, clamping and operation order of the engine's Swift `VectorMath.exp`
// (Cephes' expf polynomial, ln 2 split in two, 2^n applied in two halves) so that a fused
// activation gives exactly the values of the separate activation kernel.

#include <math.h>
#include <stddef.h>
#include "CStrataKernels.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

static inline __attribute__((always_inline)) __m256 strata_exp8(__m256 x) {
    const __m256 maximum = _mm256_set1_ps(88.7228391f), minimum = _mm256_set1_ps(-87.0f);
    const __m256 too_big = _mm256_cmp_ps(x, maximum, _CMP_GT_OQ), too_small = _mm256_cmp_ps(x, minimum, _CMP_LT_OQ);
    const __m256 is_nan = _mm256_cmp_ps(x, x, _CMP_NEQ_UQ);
    __m256 c = _mm256_blendv_ps(x, maximum, too_big);
    c = _mm256_blendv_ps(c, minimum, too_small);
    const __m256 shifter = _mm256_set1_ps(12582912.0f);
    const __m256 shifted = _mm256_fmadd_ps(c, _mm256_set1_ps(1.44269504088896341f), shifter);
    const __m256 n = _mm256_sub_ps(shifted, shifter);
    __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-0.693359375f), c);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    const __m256 r2 = _mm256_mul_ps(r, r);
    __m256 y = _mm256_fmadd_ps(p, r2, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    const __m256i n_bits = _mm256_sub_epi32(_mm256_castps_si256(shifted), _mm256_castps_si256(shifter));
    const __m256i half = _mm256_srai_epi32(n_bits, 1);
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 scale1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, bias), 23));
    const __m256 scale2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(n_bits, half), bias), 23));
    y = _mm256_mul_ps(_mm256_mul_ps(y, scale1), scale2);
    y = _mm256_blendv_ps(y, _mm256_set1_ps(INFINITY), too_big);
    y = _mm256_blendv_ps(y, _mm256_setzero_ps(), too_small);
    return _mm256_blendv_ps(y, x, is_nan);
}

static inline __attribute__((always_inline)) __m256 strata_sigmoid8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 e = strata_exp8(_mm256_xor_ps(x, _mm256_set1_ps(-0.0f)));
    return _mm256_div_ps(one, _mm256_add_ps(one, e));
}

// max/min with the argument order of Swift's `Swift.max(0, v)` / `Swift.min(1, v)` for ordinary
// values; a NaN input stays NaN as in the separate kernels (x < 0 ? 0 : x keeps NaN).
static inline __attribute__((always_inline)) __m256 strata_activate8(__m256 v, int activation, float alpha, float beta) {
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    switch (activation) {
    case STRATA_ACT_RELU:
        return _mm256_blendv_ps(v, zero, _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
    case STRATA_ACT_CLIP:
        return _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(alpha)), _mm256_set1_ps(beta));
    case STRATA_ACT_LEAKY_RELU:
        return _mm256_blendv_ps(v, _mm256_mul_ps(_mm256_set1_ps(alpha), v), _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
    case STRATA_ACT_SIGMOID:
        return strata_sigmoid8(v);
    case STRATA_ACT_SILU:
        return _mm256_mul_ps(v, strata_sigmoid8(v));
    case STRATA_ACT_HARD_SIGMOID: {
        // A multiply and an add, not a fused multiply-add: the Swift kernel rounds twice.
        const __m256 t = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(alpha), v), _mm256_set1_ps(beta));
        return _mm256_max_ps(_mm256_min_ps(t, one), zero);
    }
    case STRATA_ACT_HARD_SWISH: {
        const __m256 t = _mm256_add_ps(_mm256_div_ps(v, _mm256_set1_ps(6.0f)), _mm256_set1_ps(0.5f));
        return _mm256_mul_ps(v, _mm256_max_ps(_mm256_min_ps(t, one), zero));
    }
    default:
        return v;
    }
}

// y[i] = act(x[i] + *bias) for n values (no addition when bias is NULL; x may be y); the tail goes
// through a zero-padded vector.
static inline __attribute__((always_inline)) void strata_epilogue_row(const float *x, float *y, size_t n, const float *bias,
                                                                      const strata_epilogue *ep) {
    const __m256 b = _mm256_set1_ps(bias ? *bias : 0.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        if (bias) v = _mm256_add_ps(v, b);
        _mm256_storeu_ps(y + i, strata_activate8(v, ep->activation, ep->alpha, ep->beta));
    }
    if (i < n) {
        float tail[8] = {0};
        for (size_t k = 0; k < n - i; k++) tail[k] = x[i + k];
        __m256 v = _mm256_loadu_ps(tail);
        if (bias) v = _mm256_add_ps(v, b);
        _mm256_storeu_ps(tail, strata_activate8(v, ep->activation, ep->alpha, ep->beta));
        for (size_t k = 0; k < n - i; k++) y[i + k] = tail[k];
    }
}
#else
#error "CStrataKernels is built with -mavx2 -mfma (see Package.swift)"
#endif

#endif

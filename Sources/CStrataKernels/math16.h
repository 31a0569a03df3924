#ifndef STRATA_MATH16_H
#define STRATA_MATH16_H

// The activations of math8.h at sixteen lanes, for the AVX-512 tier's kernels (sgemm512.c,
// depthwise512.c): the same operations in the same order, so each lane gets exactly the value the
// 8-lane code would give. Include only from files built for x86-64.

#include <immintrin.h>
#include <math.h>

#include "CStrataKernels.h"

#pragma STDC FP_CONTRACT OFF

#define AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma,prfchw")))

#define INLINE16 static inline __attribute__((always_inline))

// The first n lanes (n ≥ 16: all of them).
INLINE16 __mmask16 first_lanes16(size_t n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

// math8.h's exp8_reduced at 16 lanes.
AVX512 INLINE16 __m512 exp16_reduced(__m512 c, __m512 *shifted) {
    const __m512 shifter = _mm512_set1_ps(12582912.0f);
    *shifted = _mm512_fmadd_ps(c, _mm512_set1_ps(1.44269504088896341f), shifter);
    const __m512 n = _mm512_sub_ps(*shifted, shifter);
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-0.693359375f), c);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    const __m512 r2 = _mm512_mul_ps(r, r);
    return _mm512_fmadd_ps(p, r2, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
}

// math8.h's exp8_in_range at 16 lanes, for c within [-87, 88]: 2^n applied by one scalef, which
// rounds p · 2^n exactly as the 8-lane code's multiply by the power of two does (both are exact there).
AVX512 INLINE16 __m512 exp16_in_range(__m512 c) {
    __m512 shifted;
    const __m512 p = exp16_reduced(c, &shifted);
    return _mm512_scalef_ps(p, _mm512_sub_ps(shifted, _mm512_set1_ps(12582912.0f)));
}

// math8.h's exp8_at_most_zero at 16 lanes.
AVX512 INLINE16 __m512 exp16_at_most_zero(__m512 x) {
    const __m512 low = _mm512_set1_ps(-87.0f);
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, low, _CMP_LT_OQ), exp16_in_range(_mm512_max_ps(low, x)),
                                _mm512_setzero_ps());
}

// The 16-lane twin of math8.h's strata_sigmoid8 (exp16_reduced, one 2^n scale, the same range):
// every lane gets exactly the value the 8-lane code (and the separate activation kernels) gives.
AVX512 INLINE16 __m512 sigmoid16(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f), low = _mm512_set1_ps(-87.0f), high = _mm512_set1_ps(88.0f);
    const __m512 negated = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000)));
    const __m512 t = _mm512_min_ps(high, _mm512_max_ps(low, negated));
    const __m512 e = exp16_in_range(t);
    const __m512 s = _mm512_div_ps(one, _mm512_add_ps(one, e));
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(-88.0f), _CMP_LT_OQ), s, _mm512_setzero_ps());
}

// math8.h's strata_exp8 at 16 lanes (v8_select(m, yes, no) is mask_blend(m, no, yes)).
AVX512 INLINE16 __m512 exp16(__m512 x) {
    const __m512 maximum = _mm512_set1_ps(88.7228391f), minimum = _mm512_set1_ps(-87.0f);
    const __mmask16 too_big = _mm512_cmp_ps_mask(x, maximum, _CMP_GT_OQ);
    const __mmask16 too_small = _mm512_cmp_ps_mask(x, minimum, _CMP_LT_OQ);
    const __mmask16 is_nan = _mm512_cmp_ps_mask(x, x, _CMP_NEQ_UQ);
    __m512 c = _mm512_mask_blend_ps(too_big, x, maximum);
    c = _mm512_mask_blend_ps(too_small, c, minimum);
    __m512 shifted;
    __m512 y = exp16_reduced(c, &shifted);
    const __m512i n_bits = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_castps_si512(_mm512_set1_ps(12582912.0f)));
    const __m512i half = _mm512_srai_epi32(n_bits, 1);
    const __m512i bias = _mm512_set1_epi32(127);
    const __m512 scale1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(half, bias), 23));
    const __m512 scale2 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_sub_epi32(n_bits, half), bias), 23));
    y = _mm512_mul_ps(_mm512_mul_ps(y, scale1), scale2);
    y = _mm512_mask_blend_ps(too_big, y, _mm512_set1_ps(INFINITY));
    y = _mm512_mask_blend_ps(too_small, y, _mm512_setzero_ps());
    return _mm512_mask_blend_ps(is_nan, y, x);
}

// math8.h's horner8 at 16 lanes.
AVX512 INLINE16 __m512 horner16(__m512 t, const float *c, const int n) {
    __m512 p = _mm512_set1_ps(c[n - 1]);
    for (int i = n - 2; i >= 0; i--) p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(c[i]));
    return p;
}

// math8.h's strata_erf_accurate8 at 16 lanes: the same coefficients (Tools/fit-erf.py) and steps.
AVX512 INLINE16 __m512 erf_accurate16(__m512 x) {
    static const float near_coefficients[7] = {
        0.12837916612625122f, -0.3761262595653534f, 0.11283610016107559f, -0.026855407282710075f,
        0.00519227422773838f, -0.0008051752229221165f, 8.010483725229278e-05f,
    };
    static const float far_coefficients[12] = {
        0.21080635488033295f, -0.0743473619222641f, 0.024938173592090607f, -0.008001474663615227f,
        0.0024660928174853325f, -0.0007337129791267216f, 0.00021283204841893166f, -5.8942707255482674e-05f,
        1.4425777408177964e-05f, -4.009343228972284e-06f, 1.6588418247920345e-06f, -3.835798736417928e-07f,
    };
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 a = _mm512_min_ps(_mm512_andnot_ps(_mm512_set1_ps(-0.0f), x), _mm512_set1_ps(4.0f));
    const __m512 t = _mm512_mul_ps(a, a);
    const __m512 near = _mm512_fmadd_ps(x, horner16(t, near_coefficients, 7), x);
    const __m512 r = horner16(_mm512_sub_ps(a, _mm512_set1_ps(2.5f)), far_coefficients, 12);
    const __m512 negated_t = _mm512_xor_ps(t, _mm512_set1_ps(-0.0f));
    const __m512 far = _mm512_sub_ps(one, _mm512_mul_ps(exp16_in_range(negated_t), r));
    const __m512 signed_far = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), far,
                                                   _mm512_xor_ps(far, _mm512_set1_ps(-0.0f)));
    const __m512 y = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, one, _CMP_LT_OQ), signed_far, near);
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_NEQ_UQ), y, x);
}

// math8.h's erf GELU, beta · (x · (erf(x / alpha) + 1)), at 16 lanes, for loops over many values
// (sgemm512.c's epilogue16), where its constants stay in registers.
AVX512 INLINE16 __m512 gelu_erf16_inline(__m512 v, float alpha, float beta) {
    const __m512 e = erf_accurate16(_mm512_div_ps(v, _mm512_set1_ps(alpha)));
    return _mm512_mul_ps(_mm512_mul_ps(v, _mm512_add_ps(e, _mm512_set1_ps(1.0f))), _mm512_set1_ps(beta));
}

// The same out of line, for act16: act16 is inlined into every store of every GEMM block, and the
// erf's 60-odd instructions there made the binary larger for an activation the GEMMs never apply.
AVX512 __attribute__((noinline, unused)) static __m512 gelu_erf16(__m512 v, float alpha, float beta) {
    return gelu_erf16_inline(v, alpha, beta);
}

// The activation on 16 lanes: math8.h's strata_activate8, operation for operation.
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
    case STRATA_ACT_GELU_ERF:
        return gelu_erf16(v, alpha, beta);
    default:
        return v;
    }
}

#endif

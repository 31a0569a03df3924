#ifndef STRATA_MATH8_H
#define STRATA_MATH8_H

// Tier template (see tier_kernels.h): the activations of strata_epilogue and the functions of
// strata_unary on eight lanes. exp uses the constants, clamping and operation order of Cephes'
// expf polynomial with ln 2 split in two and 2^n applied in two halves; every function is written
// as one sequence of vec8.h operations, so each tier gives the same bits, and a fused activation
// gives exactly the values of the separate activation kernel (which calls the same code).

#include "CStrataKernels.h"
#include "vec8.h"

// e^c for c within [-87, 88.72]: c = n·ln2 + r with |r| ≤ ln2/2 (ln2 in two parts, so that r stays
// exact), a degree-7 polynomial in r; the polynomial's value comes back, and `shifted` holds n in its
// low mantissa bits (the 1.5·2²³ trick rounds c·log2(e) to an integer there).
V8 v8f exp8_reduced(v8f c, v8f *shifted) {
    const v8f shifter = v8_set1(12582912.0f);
    *shifted = v8_fma(c, v8_set1(1.44269504088896341f), shifter);
    const v8f n = v8_sub(*shifted, shifter);
    v8f r = v8_fma(n, v8_set1(-0.693359375f), c);
    r = v8_fma(n, v8_set1(2.12194440e-4f), r);
    v8f p = v8_set1(1.9875691500e-4f);
    p = v8_fma(p, r, v8_set1(1.3981999507e-3f));
    p = v8_fma(p, r, v8_set1(8.3334519073e-3f));
    p = v8_fma(p, r, v8_set1(4.1665795894e-2f));
    p = v8_fma(p, r, v8_set1(1.6666665459e-1f));
    p = v8_fma(p, r, v8_set1(5.0000001201e-1f));
    const v8f r2 = v8_mul(r, r);
    return v8_fma(p, r2, v8_add(r, v8_set1(1.0f)));
}

// strata_exp8 for c within [-87, 88] (or NaN, which gives NaN), where 2^n is one normal scale
// factor: none of its range selects, one multiply for 2^n instead of two, and the same bits there
// (each way of scaling by a power of two is exact while the result stays normal).
V8 v8f exp8_in_range(v8f c) {
    v8f shifted;
    const v8f p = exp8_reduced(c, &shifted);
    const v8i n_bits = v8i_sub(v8_bits(shifted), v8_bits(v8_set1(12582912.0f)));
    return v8_mul(p, v8_from_bits(v8i_shl23(v8i_add(n_bits, v8i_set1(127)))));
}

// strata_exp8 for x at most 0 or NaN (a softmax's x − max): 0 below -87, NaN kept (max returns its
// second operand when one is NaN), exp8_in_range between; the same bits as strata_exp8 there.
V8 v8f exp8_at_most_zero(v8f x) {
    const v8f low = v8_set1(-87.0f);
    return v8_select(v8_lt(x, low), v8_zero(), exp8_in_range(v8_max(low, x)));
}

// exp within 2 ulp: exp8_reduced, then 2^n through the exponent bits. Above 88.72 the result is
// +inf; below -87, where exp is within 5e-39 of the subnormal range (whose arithmetic is many times
// slower), 0.
V8 v8f strata_exp8(v8f x) {
    const v8f maximum = v8_set1(88.7228391f), minimum = v8_set1(-87.0f);
    const v8m too_big = v8_gt(x, maximum), too_small = v8_lt(x, minimum), is_nan = v8_is_nan(x);
    v8f c = v8_select(too_big, maximum, x);
    c = v8_select(too_small, minimum, c);
    v8f shifted;
    v8f y = exp8_reduced(c, &shifted);
    // 2^n into the exponent field; n reaches 128 near the top of the range, so two halves that both fit.
    const v8i n_bits = v8i_sub(v8_bits(shifted), v8_bits(v8_set1(12582912.0f)));
    const v8i half = v8i_shr1(n_bits);
    const v8i bias = v8i_set1(127);
    const v8f scale1 = v8_from_bits(v8i_shl23(v8i_add(half, bias)));
    const v8f scale2 = v8_from_bits(v8i_shl23(v8i_add(v8i_sub(n_bits, half), bias)));
    y = v8_mul(v8_mul(y, scale1), scale2);
    y = v8_select(too_big, v8_set1(INFINITY), y);
    y = v8_select(too_small, v8_zero(), y);
    return v8_select(is_nan, x, y);
}

// 1 / (1 + e^-x), with e^-x computed for -x within [-87, 88] only: 2^n is then one normal scale
// factor, and none of strata_exp8's range selects are needed (its operations, and so its bits, are
// the same there; a sigmoid is about 1.5× faster). Above 87 the sum rounds to 1 as before; below -88,
// where the true value is under 6.1e-39 (subnormal), the result is 0 (strata_exp8's range gave the
// subnormal quotient down to -88.72). NaN stays NaN: max and min return their second operand when
// one is NaN, in every tier.
V8 v8f strata_sigmoid8(v8f x) {
    const v8f one = v8_set1(1.0f), low = v8_set1(-87.0f), high = v8_set1(88.0f);
    const v8f t = v8_min(high, v8_max(low, v8_neg(x)));
    const v8f e = exp8_in_range(t);
    return v8_select(v8_lt(x, v8_neg(high)), v8_zero(), v8_div(one, v8_add(one, e)));
}

/// tanh through 1 − 2 / (exp(2x) + 1), with a short odd series near 0 where that form would lose
/// relative precision.
V8 v8f strata_tanh8(v8f x) {
    const v8f one = v8_set1(1.0f);
    v8f y = v8_sub(one, v8_div(v8_set1(2.0f), v8_add(strata_exp8(v8_add(x, x)), one)));
    const v8f x2 = v8_mul(x, x);
    v8f series = v8_set1(-17.0f / 315.0f);
    series = v8_add(v8_mul(series, x2), v8_set1(2.0f / 15.0f));
    series = v8_add(v8_mul(series, x2), v8_set1(-1.0f / 3.0f));
    series = v8_mul(v8_add(v8_mul(series, x2), one), x);
    y = v8_select(v8_lt(x2, v8_set1(0.0025f)), series, y);
    return v8_select(v8_is_nan(x), x, y);
}

/// erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7), odd-extended; |x| is capped
/// at 4, where erf is 1 in float32, so that the tail never produces subnormals.
V8 v8f strata_erf8(v8f x) {
    const v8f one = v8_set1(1.0f);
    v8f a = v8_abs(x);
    a = v8_select(v8_gt(a, v8_set1(4.0f)), v8_set1(4.0f), a);
    const v8f t = v8_div(one, v8_add(one, v8_mul(v8_set1(0.3275911f), a)));
    v8f p = v8_set1(1.061405429f);
    p = v8_sub(v8_mul(p, t), v8_set1(1.453152027f));
    p = v8_add(v8_mul(p, t), v8_set1(1.421413741f));
    p = v8_sub(v8_mul(p, t), v8_set1(0.284496736f));
    p = v8_add(v8_mul(p, t), v8_set1(0.254829592f));
    const v8f magnitude = v8_sub(one, v8_mul(v8_mul(p, t), exp8_in_range(v8_neg(v8_mul(a, a)))));
    const v8f y = v8_select(v8_lt(x, v8_zero()), v8_neg(magnitude), magnitude);
    return v8_select(v8_is_nan(x), x, y);
}

// Σ c[i]·t^i by Horner's rule with multiply-adds, highest degree first; `c` holds `n` coefficients,
// the constant term first (the order Tools/fit-erf.py prints).
V8 v8f horner8(v8f t, const float *c, const int n) {
    v8f p = v8_set1(c[n - 1]);
    for (int i = n - 2; i >= 0; i--) p = v8_fma(p, t, v8_set1(c[i]));
    return p;
}

/// erf to about one ulp, for the Erf op (strata_erf8 above is for GELU, where an absolute error
/// of 1.5e-7 does not show; as erf itself it loses the relative precision of small results).
/// |x| < 1: x + x·P(x²); above: 1 − exp(−x²)·R(|x| − 2.5), with |x| capped at 4, where erf rounds
/// to 1. The coefficients and their error (1.4 ulp at most without FMA) come from Tools/fit-erf.py.
/// The odd form below 1 keeps the sign of −0.
V8 v8f strata_erf_accurate8(v8f x) {
    // P, fitted to erf(x)/x − 1 on [0, 1], and R, fitted to erfc(x)·exp(x²) on [1, 4] in x − 2.5.
    static const float near_coefficients[7] = {
        0.12837916612625122f, -0.3761262595653534f, 0.11283610016107559f, -0.026855407282710075f,
        0.00519227422773838f, -0.0008051752229221165f, 8.010483725229278e-05f,
    };
    static const float far_coefficients[12] = {
        0.21080635488033295f, -0.0743473619222641f, 0.024938173592090607f, -0.008001474663615227f,
        0.0024660928174853325f, -0.0007337129791267216f, 0.00021283204841893166f, -5.8942707255482674e-05f,
        1.4425777408177964e-05f, -4.009343228972284e-06f, 1.6588418247920345e-06f, -3.835798736417928e-07f,
    };
    const v8f one = v8_set1(1.0f);
    const v8f a = v8_min(v8_abs(x), v8_set1(4.0f));
    const v8f t = v8_mul(a, a);
    const v8f near = v8_fma(x, horner8(t, near_coefficients, 7), x);
    const v8f r = horner8(v8_sub(a, v8_set1(2.5f)), far_coefficients, 12);
    // −t lies in [−16, 0] (a NaN x gives a = 4: min returns its second operand), inside exp8_in_range's range.
    const v8f far = v8_sub(one, v8_mul(exp8_in_range(v8_neg(t)), r));
    const v8f y = v8_select(v8_lt(a, one), near, v8_select(v8_lt(x, v8_zero()), v8_neg(far), far));
    return v8_select(v8_is_nan(x), x, y);
}

/// log(1 + t) for t in [0, 1]: 1 + t is split into 2^k·f with f in [√½, √2], log f comes from the
/// Cephes logf polynomial in f − 1, and the rounding error of 1 + t is added back to first order
/// so that small t keeps its relative precision.
V8 v8f strata_log1p_unit8(v8f t) {
    const v8f one = v8_set1(1.0f);
    const v8f m = v8_add(one, t);
    const v8m big = v8_gt(m, v8_set1(1.41421356f));
    const v8f f = v8_select(big, v8_mul(m, v8_set1(0.5f)), m);
    const v8f k = v8_select(big, one, v8_zero());
    const v8f z = v8_sub(f, one);
    const v8f z2 = v8_mul(z, z);
    v8f p = v8_set1(7.0376836292e-2f);
    p = v8_sub(v8_mul(p, z), v8_set1(1.1514610310e-1f));
    p = v8_add(v8_mul(p, z), v8_set1(1.1676998740e-1f));
    p = v8_sub(v8_mul(p, z), v8_set1(1.2420140846e-1f));
    p = v8_add(v8_mul(p, z), v8_set1(1.4249322787e-1f));
    p = v8_sub(v8_mul(p, z), v8_set1(1.6668057665e-1f));
    p = v8_add(v8_mul(p, z), v8_set1(2.0000714765e-1f));
    p = v8_sub(v8_mul(p, z), v8_set1(2.4999993993e-1f));
    p = v8_add(v8_mul(p, z), v8_set1(3.3333331174e-1f));
    v8f y = v8_mul(v8_mul(p, z), z2);
    y = v8_sub(v8_add(y, v8_mul(k, v8_set1(-2.12194440e-4f))), v8_mul(v8_set1(0.5f), z2));
    const v8f correction = v8_div(v8_sub(t, v8_sub(m, one)), m);
    return v8_add(v8_add(v8_add(z, y), v8_mul(k, v8_set1(0.693359375f))), correction);
}

/// log(1 + e^x) as max(x, 0) + log1p(e^−|x|), which neither overflows nor loses small results.
V8 v8f strata_softplus8(v8f x) {
    const v8f positive = v8_select(v8_lt(x, v8_zero()), v8_zero(), x);
    const v8f y = v8_add(positive, strata_log1p_unit8(exp8_at_most_zero(v8_neg(v8_abs(x)))));
    return v8_select(v8_is_nan(x), x, y);
}

V8 v8f strata_unary8(v8f x, const int op) {
    const v8f half = v8_set1(0.5f), one = v8_set1(1.0f);
    switch (op) {
    case STRATA_UNARY_EXP:
        return strata_exp8(x);
    case STRATA_UNARY_SIGMOID:
        return strata_sigmoid8(x);
    case STRATA_UNARY_TANH:
        return strata_tanh8(x);
    case STRATA_UNARY_SOFTPLUS:
        return strata_softplus8(x);
    case STRATA_UNARY_MISH:
        return v8_mul(x, strata_tanh8(strata_softplus8(x)));
    case STRATA_UNARY_GELU:
        // x·Φ(x) with the exact normal CDF.
        return v8_mul(v8_mul(half, x), v8_add(one, strata_erf8(v8_mul(x, v8_set1(0.7071067811865476f)))));
    case STRATA_UNARY_ERF:
        return strata_erf_accurate8(x);
    case STRATA_UNARY_GELU_TANH: {
        // x·Φ(x) with the tanh approximation of the normal CDF.
        const v8f cube = v8_mul(v8_mul(x, x), x);
        const v8f inner = v8_mul(v8_set1(0.7978845608028654f), v8_add(x, v8_mul(v8_set1(0.044715f), cube)));
        return v8_mul(v8_mul(half, x), v8_add(one, strata_tanh8(inner)));
    }
    default:
        return x;
    }
}

// max/min with the argument order of Swift's `Swift.max(0, v)` / `Swift.min(1, v)` for ordinary
// values; a NaN input stays NaN as in the separate kernels (x < 0 ? 0 : x keeps NaN).
V8 v8f strata_activate8(v8f v, int activation, float alpha, float beta) {
    const v8f zero = v8_zero(), one = v8_set1(1.0f);
    switch (activation) {
    case STRATA_ACT_RELU:
        return v8_select(v8_lt(v, zero), zero, v);
    case STRATA_ACT_CLIP:
        return v8_min(v8_max(v, v8_set1(alpha)), v8_set1(beta));
    case STRATA_ACT_LEAKY_RELU:
        return v8_select(v8_lt(v, zero), v8_mul(v8_set1(alpha), v), v);
    case STRATA_ACT_SIGMOID:
        return strata_sigmoid8(v);
    case STRATA_ACT_SILU:
        return v8_mul(v, strata_sigmoid8(v));
    case STRATA_ACT_HARD_SIGMOID: {
        // A multiply and an add, not a fused multiply-add: the Swift kernel rounds twice.
        const v8f t = v8_add(v8_mul(v8_set1(alpha), v), v8_set1(beta));
        return v8_max(v8_min(t, one), zero);
    }
    case STRATA_ACT_HARD_SWISH: {
        const v8f t = v8_add(v8_div(v, v8_set1(6.0f)), v8_set1(0.5f));
        return v8_mul(v, v8_max(v8_min(t, one), zero));
    }
    case STRATA_ACT_GELU_ERF:
        return v8_mul(v8_mul(v, v8_add(strata_erf_accurate8(v8_div(v, v8_set1(alpha))), one)), v8_set1(beta));
    default:
        return v;
    }
}

// y[i] = act(x[i] · *scale + *bias) for n values (no product when scale is NULL, no addition when
// bias is NULL, each rounded on its own; x may be y); the tail goes through a zero-padded vector.
V8 void epilogue_loop(const float *x, float *y, size_t n, const float *scale, const float *bias, const strata_epilogue *ep,
                      const int activation) {
    const v8f a = v8_set1(scale ? *scale : 1.0f), b = v8_set1(bias ? *bias : 0.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f v = v8_load(x + i);
        if (scale) v = v8_mul(v, a);
        if (bias) v = v8_add(v, b);
        v8_store(y + i, strata_activate8(v, activation, ep->alpha, ep->beta));
    }
    if (i < n) {
        float tail[8] = {0};
        for (size_t k = 0; k < n - i; k++) tail[k] = x[i + k];
        v8f v = v8_load(tail);
        if (scale) v = v8_mul(v, a);
        if (bias) v = v8_add(v, b);
        v8_store(tail, strata_activate8(v, activation, ep->alpha, ep->beta));
        for (size_t k = 0; k < n - i; k++) y[i + k] = tail[k];
    }
}

// act(x · scale + bias) over a row; the activation is chosen once, so that each loop keeps its
// constants in registers instead of switching per vector.
V8 void epilogue_row_scaled(const float *x, float *y, size_t n, const float *scale, const float *bias,
                            const strata_epilogue *ep) {
    switch (ep->activation) {
    case STRATA_ACT_NONE: epilogue_loop(x, y, n, scale, bias, ep, STRATA_ACT_NONE); break;
    case STRATA_ACT_RELU: epilogue_loop(x, y, n, scale, bias, ep, STRATA_ACT_RELU); break;
    case STRATA_ACT_CLIP: epilogue_loop(x, y, n, scale, bias, ep, STRATA_ACT_CLIP); break;
    case STRATA_ACT_LEAKY_RELU: epilogue_loop(x, y, n, scale, bias, ep, STRATA_ACT_LEAKY_RELU); break;
    case STRATA_ACT_SIGMOID: epilogue_loop(x, y, n, scale, bias, ep, STRATA_ACT_SIGMOID); break;
    case STRATA_ACT_SILU: epilogue_loop(x, y, n, scale, bias, ep, STRATA_ACT_SILU); break;
    case STRATA_ACT_HARD_SIGMOID: epilogue_loop(x, y, n, scale, bias, ep, STRATA_ACT_HARD_SIGMOID); break;
    case STRATA_ACT_HARD_SWISH: epilogue_loop(x, y, n, scale, bias, ep, STRATA_ACT_HARD_SWISH); break;
    case STRATA_ACT_GELU_ERF: epilogue_loop(x, y, n, scale, bias, ep, STRATA_ACT_GELU_ERF); break;
    default: epilogue_loop(x, y, n, scale, bias, ep, ep->activation); break;
    }
}

// act(x + bias) over a row.
V8 void strata_epilogue_row(const float *x, float *y, size_t n, const float *bias, const strata_epilogue *ep) {
    epilogue_row_scaled(x, y, n, NULL, bias, ep);
}

static void tier_epilogue_apply(const float *x, float *y, size_t n, const float *bias, const strata_epilogue *ep) {
    strata_epilogue_row(x, y, n, bias, ep);
}

// strata_affine_apply's contract: the epilogue's loop with a product before the sum.
static void tier_affine_apply(const float *x, float *y, size_t n, float scale, float shift, const strata_epilogue *ep) {
    epilogue_row_scaled(x, y, n, &scale, &shift, ep);
}

// The op of strata_unary on whole vectors, then the rest through a zero-padded vector.
V8 void unary_loop(const float *x, float *y, size_t n, const int op) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) v8_store(y + i, strata_unary8(v8_load(x + i), op));
    if (i < n) {
        float tail[8] = {0};
        for (size_t k = 0; k < n - i; k++) tail[k] = x[i + k];
        v8_store(tail, strata_unary8(v8_load(tail), op));
        for (size_t k = 0; k < n - i; k++) y[i + k] = tail[k];
    }
}

// One loop per op, so that each keeps its constants in registers instead of switching per vector.
static void tier_unary(int op, const float *x, float *y, size_t n) {
    switch (op) {
    case STRATA_UNARY_EXP: unary_loop(x, y, n, STRATA_UNARY_EXP); break;
    case STRATA_UNARY_SIGMOID: unary_loop(x, y, n, STRATA_UNARY_SIGMOID); break;
    case STRATA_UNARY_TANH: unary_loop(x, y, n, STRATA_UNARY_TANH); break;
    case STRATA_UNARY_SOFTPLUS: unary_loop(x, y, n, STRATA_UNARY_SOFTPLUS); break;
    case STRATA_UNARY_MISH: unary_loop(x, y, n, STRATA_UNARY_MISH); break;
    case STRATA_UNARY_GELU: unary_loop(x, y, n, STRATA_UNARY_GELU); break;
    case STRATA_UNARY_GELU_TANH: unary_loop(x, y, n, STRATA_UNARY_GELU_TANH); break;
    case STRATA_UNARY_ERF: unary_loop(x, y, n, STRATA_UNARY_ERF); break;
    default: unary_loop(x, y, n, -1); break;
    }
}

#endif

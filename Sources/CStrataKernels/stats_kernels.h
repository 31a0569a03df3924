#ifndef STRATA_STATS_KERNELS_H
#define STRATA_STATS_KERNELS_H

// The arithmetic part of a block of activation statistics (strata_block_sums), for tier_kernels.h.
// The sums are in double, eight lanes wide in every tier (value i goes to lane i mod 8) and added
// up in one fixed order, with no multiply-add fused, so that every tier gives the same bits.

/// Eight double lanes.
#if defined(STRATA_VEC8_AVX2)
typedef struct { __m256d lo, hi; } v8d;
V8 v8d v8d_set1(double x) { v8d r = {_mm256_set1_pd(x), _mm256_set1_pd(x)}; return r; }
V8 v8d v8d_of(v8f v) {
    v8d r = {_mm256_cvtps_pd(_mm256_castps256_ps128(v)), _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1))};
    return r;
}
V8 v8d v8d_add(v8d a, v8d b) { v8d r = {_mm256_add_pd(a.lo, b.lo), _mm256_add_pd(a.hi, b.hi)}; return r; }
V8 v8d v8d_sub(v8d a, v8d b) { v8d r = {_mm256_sub_pd(a.lo, b.lo), _mm256_sub_pd(a.hi, b.hi)}; return r; }
V8 v8d v8d_mul(v8d a, v8d b) { v8d r = {_mm256_mul_pd(a.lo, b.lo), _mm256_mul_pd(a.hi, b.hi)}; return r; }
V8 void v8d_store(double *p, v8d a) { _mm256_storeu_pd(p, a.lo); _mm256_storeu_pd(p + 4, a.hi); }
#elif defined(STRATA_VEC8_NEON)
typedef struct { float64x2_t a, b, c, d; } v8d;
V8 v8d v8d_set1(double x) { v8d r = {vdupq_n_f64(x), vdupq_n_f64(x), vdupq_n_f64(x), vdupq_n_f64(x)}; return r; }
V8 v8d v8d_of(v8f v) {
    v8d r = {vcvt_f64_f32(vget_low_f32(v.lo)), vcvt_high_f64_f32(v.lo), vcvt_f64_f32(vget_low_f32(v.hi)),
             vcvt_high_f64_f32(v.hi)};
    return r;
}
V8 v8d v8d_add(v8d x, v8d y) { v8d r = {vaddq_f64(x.a, y.a), vaddq_f64(x.b, y.b), vaddq_f64(x.c, y.c), vaddq_f64(x.d, y.d)}; return r; }
V8 v8d v8d_sub(v8d x, v8d y) { v8d r = {vsubq_f64(x.a, y.a), vsubq_f64(x.b, y.b), vsubq_f64(x.c, y.c), vsubq_f64(x.d, y.d)}; return r; }
V8 v8d v8d_mul(v8d x, v8d y) { v8d r = {vmulq_f64(x.a, y.a), vmulq_f64(x.b, y.b), vmulq_f64(x.c, y.c), vmulq_f64(x.d, y.d)}; return r; }
V8 void v8d_store(double *p, v8d x) { vst1q_f64(p, x.a); vst1q_f64(p + 2, x.b); vst1q_f64(p + 4, x.c); vst1q_f64(p + 6, x.d); }
#else
typedef struct { double d[8]; } v8d;
V8 v8d v8d_set1(double x) { v8d r; V8_LANES(r.d[l] = x) return r; }
V8 v8d v8d_of(v8f v) { v8d r; V8_LANES(r.d[l] = (double)v.f[l]) return r; }
V8 v8d v8d_add(v8d a, v8d b) { v8d r; V8_LANES(r.d[l] = a.d[l] + b.d[l]) return r; }
V8 v8d v8d_sub(v8d a, v8d b) { v8d r; V8_LANES(r.d[l] = a.d[l] - b.d[l]) return r; }
V8 v8d v8d_mul(v8d a, v8d b) { v8d r; V8_LANES(r.d[l] = a.d[l] * b.d[l]) return r; }
V8 void v8d_store(double *p, v8d a) { memcpy(p, a.d, sizeof a.d); }
#endif

/// The eight lanes' sum, in one order for every tier.
static inline double stats_lane_total(const double s[8]) {
    return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

/// strata_block_sums' contract. Counts go through float lanes (exact below 2^24 per lane), added
/// to the totals every 2^20 vectors.
static void tier_block_sums(const float *x, size_t n, float lo, float hi, strata_block_sums *out) {
    out->deviation = 0;
    out->squares = 0;
    out->low = INFINITY;
    out->high = -INFINITY;
    out->zeros = 0;
    out->negatives = 0;
    if (n == 0) return;
    float y0 = x[0] < lo ? lo : x[0];
    y0 = y0 > hi ? hi : y0;
    const double shift = (double)y0;
    const v8f vlo = v8_set1(lo), vhi = v8_set1(hi), zero = v8_zero(), one = v8_set1(1.0f);
    const v8d vshift = v8d_set1(shift);
    v8d d = v8d_set1(0), q = v8d_set1(0);
    v8f low = v8_set1(INFINITY), high = v8_set1(-INFINITY);
    size_t i = 0;
    while (i + 8 <= n) {
        v8f zeros = zero, negatives = zero;
        const size_t end = n - i > ((size_t)8 << 20) ? i + ((size_t)8 << 20) : n;
        for (; i + 8 <= end; i += 8) {
            v8f v = v8_load(x + i);
            v = v8_select(v8_lt(v, vlo), vlo, v);
            v = v8_select(v8_gt(v, vhi), vhi, v);
            const v8d e = v8d_sub(v8d_of(v), vshift);
            d = v8d_add(d, e);
            q = v8d_add(q, v8d_mul(e, e));
            low = v8_select(v8_lt(v, low), v, low);
            high = v8_select(v8_gt(v, high), v, high);
            zeros = v8_add(zeros, v8_select(v8_eq(v, zero), one, zero));
            negatives = v8_add(negatives, v8_select(v8_lt(v, zero), one, zero));
        }
        float z[8], g[8];
        v8_store(z, zeros);
        v8_store(g, negatives);
        for (int l = 0; l < 8; l++) {
            out->zeros += (int64_t)z[l];
            out->negatives += (int64_t)g[l];
        }
    }
    double ds[8], qs[8];
    float lows[8], highs[8];
    v8d_store(ds, d);
    v8d_store(qs, q);
    v8_store(lows, low);
    v8_store(highs, high);
    double deviation = stats_lane_total(ds), squares = stats_lane_total(qs);
    float mn = lows[0], mx = highs[0];
    for (int l = 1; l < 8; l++) {
        if (lows[l] < mn) mn = lows[l];
        if (highs[l] > mx) mx = highs[l];
    }
    for (; i < n; i++) {
        float v = x[i] < lo ? lo : x[i];
        v = v > hi ? hi : v;
        const double e = (double)v - shift;
        const double ee = e * e;
        deviation += e;
        squares += ee;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
        if (v == 0) out->zeros++;
        if (v < 0) out->negatives++;
    }
    out->deviation = deviation;
    out->squares = squares;
    out->low = mn;
    out->high = mx;
}

/// 1 where v lies in [a0, a1] or [b0, b1], else 0 (NaN in neither).
V8 v8f stats_in_bands(v8f v, v8f a0, v8f a1, v8f b0, v8f b1, v8f zero, v8f one) {
    const v8f in_a = v8_select(v8_lt(v, a0), zero, v8_select(v8_gt(v, a1), zero, one));
    const v8f in_b = v8_select(v8_lt(v, b0), zero, v8_select(v8_gt(v, b1), zero, one));
    return v8_select(v8_is_nan(v), zero, v8_max(in_a, in_b));
}

/// strata_run_max_f32's contract.
static float tier_run_max(const float *x, size_t n, const strata_bands *bands, float lo, float hi, int64_t *in_bands) {
    v8f m = v8_set1(-INFINITY);
    size_t i = 0;
    int64_t count = 0;
    if (!bands) {
        for (; i + 8 <= n; i += 8) {
            const v8f v = v8_load(x + i);
            m = v8_select(v8_gt(v, m), v, m);
        }
    } else {
        const v8f vlo = v8_set1(lo), vhi = v8_set1(hi), zero = v8_zero(), one = v8_set1(1.0f);
        const v8f a0 = v8_set1(bands->a0), a1 = v8_set1(bands->a1), b0 = v8_set1(bands->b0), b1 = v8_set1(bands->b1);
        while (i + 8 <= n) {
            v8f inside = zero;
            const size_t end = n - i > ((size_t)8 << 20) ? i + ((size_t)8 << 20) : n;
            for (; i + 8 <= end; i += 8) {
                const v8f v = v8_load(x + i);
                m = v8_select(v8_gt(v, m), v, m);
                v8f y = v8_select(v8_lt(v, vlo), vlo, v);
                y = v8_select(v8_gt(y, vhi), vhi, y);
                inside = v8_add(inside, stats_in_bands(y, a0, a1, b0, b1, zero, one));
            }
            float c[8];
            v8_store(c, inside);
            for (int l = 0; l < 8; l++) count += (int64_t)c[l];
        }
    }
    float lanes[8];
    v8_store(lanes, m);
    float best = lanes[0];
    for (int l = 1; l < 8; l++) if (lanes[l] > best) best = lanes[l];
    for (; i < n; i++) {
        const float v = x[i];
        if (v > best) best = v;
        if (bands) {
            float y = v < lo ? lo : v;
            y = y > hi ? hi : y;
            if ((y >= bands->a0 && y <= bands->a1) || (y >= bands->b0 && y <= bands->b1)) count++;
        }
    }
    if (in_bands) *in_bands = count;
    return best;
}

#endif

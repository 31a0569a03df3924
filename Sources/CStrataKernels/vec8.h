#ifndef STRATA_VEC8_H
#define STRATA_VEC8_H

// Eight float32 lanes, the unit every kernel template computes in, implemented once per tier:
//   STRATA_VEC8_AVX2  one __m256 (x86-64, in functions built for AVX2 and FMA)
//   STRATA_VEC8_NEON  two float32x4_t (arm64)
//   otherwise         a plain array of eight floats, lane by lane (the portable tier)
// Every operation rounds exactly as the AVX2 instruction does on every lane, so that a kernel
// gives the same bits in every tier: v8_max/v8_min follow maxps/minps (the second operand when
// either is NaN or both are zero), comparisons are ordered (false on NaN) except v8_is_nan, and
// v8_fma is a fused multiply-add (strata_fmaf lane by lane where there is no vector FMA). The one
// exception is the generic tier on x86, whose v8_fma rounds the product and the sum separately
// (STRATA_FUSED_MULTIPLY_ADD is 0 there).
//
// The tier file that includes this header defines the macro and includes the intrinsics headers
// (and, for AVX2, makes every function it defines target avx2 and fma) before including it.

#include <math.h>
#include <stdint.h>
#include <string.h>

#define V8 static inline __attribute__((always_inline))

/// a·b + c, rounded once (fmaf, one instruction) wherever the target has a fused multiply-add: in
/// every tier but the generic one on x86, whose baseline instruction set has none. There fmaf would
/// be a libm call per value (and an exact software emulation, rounding to odd in double precision,
/// still made EfficientNet-B0 six times slower than the plain multiply and add), so it rounds twice.
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__FMA__) && !defined(STRATA_VEC8_AVX2)
#define STRATA_FUSED_MULTIPLY_ADD 0
V8 float strata_fmaf(float a, float b, float c) { return a * b + c; }
#else
#define STRATA_FUSED_MULTIPLY_ADD 1
V8 float strata_fmaf(float a, float b, float c) { return fmaf(a, b, c); }
#endif

#if defined(STRATA_VEC8_AVX2)

typedef __m256 v8f;
typedef __m256i v8i;
typedef __m256 v8m;

V8 v8f v8_load(const float *p) { return _mm256_loadu_ps(p); }
V8 void v8_store(float *p, v8f v) { _mm256_storeu_ps(p, v); }
V8 v8f v8_set1(float x) { return _mm256_set1_ps(x); }
V8 v8f v8_zero(void) { return _mm256_setzero_ps(); }
V8 v8f v8_add(v8f a, v8f b) { return _mm256_add_ps(a, b); }
V8 v8f v8_sub(v8f a, v8f b) { return _mm256_sub_ps(a, b); }
V8 v8f v8_mul(v8f a, v8f b) { return _mm256_mul_ps(a, b); }
V8 v8f v8_div(v8f a, v8f b) { return _mm256_div_ps(a, b); }
V8 v8f v8_fma(v8f a, v8f b, v8f c) { return _mm256_fmadd_ps(a, b, c); }
V8 v8f v8_max(v8f a, v8f b) { return _mm256_max_ps(a, b); }
V8 v8f v8_min(v8f a, v8f b) { return _mm256_min_ps(a, b); }
V8 v8f v8_neg(v8f a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
V8 v8f v8_abs(v8f a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
V8 v8m v8_lt(v8f a, v8f b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
V8 v8m v8_gt(v8f a, v8f b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
V8 v8m v8_eq(v8f a, v8f b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
V8 v8m v8_is_nan(v8f a) { return _mm256_cmp_ps(a, a, _CMP_NEQ_UQ); }
/// `yes` where `m` is set, else `no`.
V8 v8f v8_select(v8m m, v8f yes, v8f no) { return _mm256_blendv_ps(no, yes, m); }
V8 v8i v8_bits(v8f a) { return _mm256_castps_si256(a); }
V8 v8f v8_from_bits(v8i a) { return _mm256_castsi256_ps(a); }
V8 v8i v8i_set1(int32_t x) { return _mm256_set1_epi32(x); }
V8 v8i v8i_add(v8i a, v8i b) { return _mm256_add_epi32(a, b); }
V8 v8i v8i_sub(v8i a, v8i b) { return _mm256_sub_epi32(a, b); }
V8 v8i v8i_shr1(v8i a) { return _mm256_srai_epi32(a, 1); }
V8 v8i v8i_shl23(v8i a) { return _mm256_slli_epi32(a, 23); }

/// Eight consecutive values (stride 1) or every other value of sixteen (stride 2).
V8 v8f v8_load_every(const float *p, const int stride) {
    if (stride == 1) return _mm256_loadu_ps(p);
    const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    // Even elements of a and b, then the 128-bit halves put back in order.
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
}

/// Transposes the 8×8 block r[0..7] in place: afterwards r[j] holds element j of every input row.
V8 void v8_transpose(v8f r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

#elif defined(STRATA_VEC8_NEON)

typedef struct { float32x4_t lo, hi; } v8f;
typedef struct { int32x4_t lo, hi; } v8i;
typedef struct { uint32x4_t lo, hi; } v8m;

#define V8F(l, h) ((v8f){(l), (h)})
#define V8I(l, h) ((v8i){(l), (h)})
#define V8M(l, h) ((v8m){(l), (h)})

V8 v8f v8_load(const float *p) { return V8F(vld1q_f32(p), vld1q_f32(p + 4)); }
V8 void v8_store(float *p, v8f v) { vst1q_f32(p, v.lo); vst1q_f32(p + 4, v.hi); }
V8 v8f v8_set1(float x) { return V8F(vdupq_n_f32(x), vdupq_n_f32(x)); }
V8 v8f v8_zero(void) { return v8_set1(0.0f); }
V8 v8f v8_add(v8f a, v8f b) { return V8F(vaddq_f32(a.lo, b.lo), vaddq_f32(a.hi, b.hi)); }
V8 v8f v8_sub(v8f a, v8f b) { return V8F(vsubq_f32(a.lo, b.lo), vsubq_f32(a.hi, b.hi)); }
V8 v8f v8_mul(v8f a, v8f b) { return V8F(vmulq_f32(a.lo, b.lo), vmulq_f32(a.hi, b.hi)); }
V8 v8f v8_div(v8f a, v8f b) { return V8F(vdivq_f32(a.lo, b.lo), vdivq_f32(a.hi, b.hi)); }
V8 v8f v8_fma(v8f a, v8f b, v8f c) { return V8F(vfmaq_f32(c.lo, a.lo, b.lo), vfmaq_f32(c.hi, a.hi, b.hi)); }
// fmax/fmin differ from maxps/minps on NaN and signed zeros: compare and select instead.
V8 v8f v8_max(v8f a, v8f b) {
    return V8F(vbslq_f32(vcgtq_f32(a.lo, b.lo), a.lo, b.lo), vbslq_f32(vcgtq_f32(a.hi, b.hi), a.hi, b.hi));
}
V8 v8f v8_min(v8f a, v8f b) {
    return V8F(vbslq_f32(vcltq_f32(a.lo, b.lo), a.lo, b.lo), vbslq_f32(vcltq_f32(a.hi, b.hi), a.hi, b.hi));
}
V8 v8f v8_neg(v8f a) { return V8F(vnegq_f32(a.lo), vnegq_f32(a.hi)); }
V8 v8f v8_abs(v8f a) { return V8F(vabsq_f32(a.lo), vabsq_f32(a.hi)); }
V8 v8m v8_lt(v8f a, v8f b) { return V8M(vcltq_f32(a.lo, b.lo), vcltq_f32(a.hi, b.hi)); }
V8 v8m v8_gt(v8f a, v8f b) { return V8M(vcgtq_f32(a.lo, b.lo), vcgtq_f32(a.hi, b.hi)); }
V8 v8m v8_eq(v8f a, v8f b) { return V8M(vceqq_f32(a.lo, b.lo), vceqq_f32(a.hi, b.hi)); }
V8 v8m v8_is_nan(v8f a) { return V8M(vmvnq_u32(vceqq_f32(a.lo, a.lo)), vmvnq_u32(vceqq_f32(a.hi, a.hi))); }
V8 v8f v8_select(v8m m, v8f yes, v8f no) { return V8F(vbslq_f32(m.lo, yes.lo, no.lo), vbslq_f32(m.hi, yes.hi, no.hi)); }
V8 v8i v8_bits(v8f a) { return V8I(vreinterpretq_s32_f32(a.lo), vreinterpretq_s32_f32(a.hi)); }
V8 v8f v8_from_bits(v8i a) { return V8F(vreinterpretq_f32_s32(a.lo), vreinterpretq_f32_s32(a.hi)); }
V8 v8i v8i_set1(int32_t x) { return V8I(vdupq_n_s32(x), vdupq_n_s32(x)); }
V8 v8i v8i_add(v8i a, v8i b) { return V8I(vaddq_s32(a.lo, b.lo), vaddq_s32(a.hi, b.hi)); }
V8 v8i v8i_sub(v8i a, v8i b) { return V8I(vsubq_s32(a.lo, b.lo), vsubq_s32(a.hi, b.hi)); }
V8 v8i v8i_shr1(v8i a) { return V8I(vshrq_n_s32(a.lo, 1), vshrq_n_s32(a.hi, 1)); }
V8 v8i v8i_shl23(v8i a) { return V8I(vshlq_n_s32(a.lo, 23), vshlq_n_s32(a.hi, 23)); }

V8 v8f v8_load_every(const float *p, const int stride) {
    if (stride == 1) return v8_load(p);
    // De-interleaving loads: val[0] holds the even elements of eight values.
    return V8F(vld2q_f32(p).val[0], vld2q_f32(p + 8).val[0]);
}

// The 4×4 transpose of a, b, c, d in place.
V8 void strata_transpose4(float32x4_t *a, float32x4_t *b, float32x4_t *c, float32x4_t *d) {
    const float32x4_t t0 = vtrn1q_f32(*a, *b), t1 = vtrn2q_f32(*a, *b);
    const float32x4_t t2 = vtrn1q_f32(*c, *d), t3 = vtrn2q_f32(*c, *d);
    *a = vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
    *b = vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
    *c = vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
    *d = vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
}

V8 void v8_transpose(v8f r[8]) {
    // Four 4×4 blocks: the diagonal ones transpose in place, the others also trade places.
    strata_transpose4(&r[0].lo, &r[1].lo, &r[2].lo, &r[3].lo);
    strata_transpose4(&r[4].hi, &r[5].hi, &r[6].hi, &r[7].hi);
    strata_transpose4(&r[0].hi, &r[1].hi, &r[2].hi, &r[3].hi);
    strata_transpose4(&r[4].lo, &r[5].lo, &r[6].lo, &r[7].lo);
    for (int i = 0; i < 4; i++) {
        const float32x4_t t = r[i].hi;
        r[i].hi = r[i + 4].lo;
        r[i + 4].lo = t;
    }
}

#else

typedef struct { float f[8]; } v8f;
typedef struct { int32_t i[8]; } v8i;
typedef struct { int m[8]; } v8m;

#define V8_LANES(expr) for (int l = 0; l < 8; l++) { expr; }

V8 v8f v8_load(const float *p) { v8f r; memcpy(r.f, p, sizeof r.f); return r; }
V8 void v8_store(float *p, v8f v) { memcpy(p, v.f, sizeof v.f); }
V8 v8f v8_set1(float x) { v8f r; V8_LANES(r.f[l] = x) return r; }
V8 v8f v8_zero(void) { return v8_set1(0.0f); }
V8 v8f v8_add(v8f a, v8f b) { v8f r; V8_LANES(r.f[l] = a.f[l] + b.f[l]) return r; }
V8 v8f v8_sub(v8f a, v8f b) { v8f r; V8_LANES(r.f[l] = a.f[l] - b.f[l]) return r; }
V8 v8f v8_mul(v8f a, v8f b) { v8f r; V8_LANES(r.f[l] = a.f[l] * b.f[l]) return r; }
V8 v8f v8_div(v8f a, v8f b) { v8f r; V8_LANES(r.f[l] = a.f[l] / b.f[l]) return r; }
V8 v8f v8_fma(v8f a, v8f b, v8f c) { v8f r; V8_LANES(r.f[l] = strata_fmaf(a.f[l], b.f[l], c.f[l])) return r; }
V8 v8f v8_max(v8f a, v8f b) { v8f r; V8_LANES(r.f[l] = a.f[l] > b.f[l] ? a.f[l] : b.f[l]) return r; }
V8 v8f v8_min(v8f a, v8f b) { v8f r; V8_LANES(r.f[l] = a.f[l] < b.f[l] ? a.f[l] : b.f[l]) return r; }
V8 v8i v8_bits(v8f a) { v8i r; memcpy(r.i, a.f, sizeof r.i); return r; }
V8 v8f v8_from_bits(v8i a) { v8f r; memcpy(r.f, a.i, sizeof r.f); return r; }
V8 v8f v8_neg(v8f a) {
    v8i b = v8_bits(a);
    V8_LANES(b.i[l] = (int32_t)((uint32_t)b.i[l] ^ 0x80000000u))
    return v8_from_bits(b);
}
V8 v8f v8_abs(v8f a) {
    v8i b = v8_bits(a);
    V8_LANES(b.i[l] = (int32_t)((uint32_t)b.i[l] & 0x7FFFFFFFu))
    return v8_from_bits(b);
}
V8 v8m v8_lt(v8f a, v8f b) { v8m r; V8_LANES(r.m[l] = a.f[l] < b.f[l]) return r; }
V8 v8m v8_gt(v8f a, v8f b) { v8m r; V8_LANES(r.m[l] = a.f[l] > b.f[l]) return r; }
V8 v8m v8_eq(v8f a, v8f b) { v8m r; V8_LANES(r.m[l] = a.f[l] == b.f[l]) return r; }
V8 v8m v8_is_nan(v8f a) { v8m r; V8_LANES(r.m[l] = a.f[l] != a.f[l]) return r; }
V8 v8f v8_select(v8m m, v8f yes, v8f no) { v8f r; V8_LANES(r.f[l] = m.m[l] ? yes.f[l] : no.f[l]) return r; }
V8 v8i v8i_set1(int32_t x) { v8i r; V8_LANES(r.i[l] = x) return r; }
// Wrapping arithmetic through uint32_t, as the vector instructions wrap.
V8 v8i v8i_add(v8i a, v8i b) { v8i r; V8_LANES(r.i[l] = (int32_t)((uint32_t)a.i[l] + (uint32_t)b.i[l])) return r; }
V8 v8i v8i_sub(v8i a, v8i b) { v8i r; V8_LANES(r.i[l] = (int32_t)((uint32_t)a.i[l] - (uint32_t)b.i[l])) return r; }
// An arithmetic shift (the sign bit repeats): the compilers Strata builds with shift signed values so.
V8 v8i v8i_shr1(v8i a) { v8i r; V8_LANES(r.i[l] = a.i[l] >> 1) return r; }
V8 v8i v8i_shl23(v8i a) { v8i r; V8_LANES(r.i[l] = (int32_t)((uint32_t)a.i[l] << 23)) return r; }

V8 v8f v8_load_every(const float *p, const int stride) {
    v8f r;
    V8_LANES(r.f[l] = p[l * stride])
    return r;
}

V8 void v8_transpose(v8f r[8]) {
    v8f t[8];
    for (int i = 0; i < 8; i++) {
        for (int j = 0; j < 8; j++) t[j].f[i] = r[i].f[j];
    }
    memcpy(r, t, sizeof t);
}

#endif

#endif

// Every kernel of CStrataKernels in each tier this CPU runs, against the generic tier, on seeded
// random data: the values must be the same bits, except that a kernel with multiply-adds is
// compared with a tolerance where one of the two tiers rounds them twice (the generic tier on x86;
// strata_isa_fused_multiply_add). Built and run for arm64 under qemu by Tools/check-aarch64.sh,
// where it checks the NEON tier (both fused there: every check exact); it builds for any architecture.
//
//   kernel-tiers        prints the tiers and "N checks (E exact), M failed"; exits 1 on a failure

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CStrataKernels.h"

static uint64_t rng_state;

static uint64_t next_random(void) {
    // SplitMix64.
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int random_int(int lo, int hi) { return lo + (int)(next_random() % (uint64_t)(hi - lo + 1)); }

// Uniform in [-scale, scale), with NaN, infinities, signed zeros and exp's range ends mixed in.
static float *random_floats(size_t n, float scale, int specials) {
    static const float special[] = {0.0f, -0.0f, NAN, INFINITY, -INFINITY, 88.72f, 88.73f, -87.0f, -87.01f,
                                    1e-30f, 0.05f, -0.05f, 4.0f, -4.0f};
    float *v = malloc(sizeof(float) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) v[i] = ((float)(next_random() >> 40) / (float)(1 << 23) - 1.0f) * scale;
    if (specials) {
        for (size_t i = 0; i < sizeof special / sizeof *special && i * 7 < n; i++) v[i * 7] = special[i];
    }
    return v;
}

static strata_window2d random_window(void) {
    strata_window2d g;
    g.kernel_h = random_int(1, 5), g.kernel_w = random_int(1, 5);
    g.stride_h = random_int(1, 3), g.stride_w = random_int(1, 3);
    g.dilation_h = random_int(1, 2), g.dilation_w = random_int(1, 2);
    g.pad_top = random_int(0, 2), g.pad_left = random_int(0, 2);
    const int bottom = random_int(0, 2), right = random_int(0, 2);
    g.in_h = (g.kernel_h - 1) * g.dilation_h + 1 + random_int(0, 20);
    g.in_w = (g.kernel_w - 1) * g.dilation_w + 1 + random_int(0, 40);
    g.out_h = (g.in_h + g.pad_top + bottom - (g.kernel_h - 1) * g.dilation_h - 1) / g.stride_h + 1;
    g.out_w = (g.in_w + g.pad_left + right - (g.kernel_w - 1) * g.dilation_w - 1) / g.stride_w + 1;
    return g;
}

// One check: `run` fills `out` (n floats) with the active tier; each tier is compared with generic.
typedef void (*check_body)(const void *ctx, float *out);

static int checks, exact_checks, failures;

// How a kernel's values may differ between a tier that fuses multiply-adds and one that does not:
// |got − want| ≤ atol + rtol·|want|, NaN where the other has NaN, infinities equal. Kernels without
// multiply-adds have no tolerance.
typedef struct {
    double rtol, atol;
} tolerance;

static const tolerance exact = {0, 0};
// Rounding the multiply-adds of exp's reduction and polynomial twice moves the functions of
// strata_unary by a few ulps (at most about 2.4e-7 absolute, or 2.5e-5 relative where GELU cancels
// to values below 1e-5).
static const tolerance functions = {2e-6, 2e-6};
// Sums of up to 25 (depthwise) or 200 (GEMV) products of values below 4 in magnitude: the error
// bound n·2^-24·Σ|terms| reaches about 1e-4 (observed: below 1e-5).
static const tolerance sums = {1e-4, 1e-4};

static int agree(float want, float got, tolerance tol, int bitwise) {
    if (bitwise) return memcmp(&want, &got, sizeof want) == 0;
    if (isnan(want) || isnan(got)) return isnan(want) && isnan(got);
    if (isinf(want) || isinf(got)) return want == got;
    return fabs((double)got - want) <= tol.atol + tol.rtol * fabs((double)want);
}

static void check_within(const char *what, size_t n, check_body run, const void *ctx, tolerance tol) {
    float *reference = malloc(sizeof(float) * (n ? n : 1)), *got = malloc(sizeof(float) * (n ? n : 1));
    for (int isa = 0; isa < STRATA_ISA_COUNT; isa++) {
        if (isa == STRATA_ISA_GENERIC || !strata_isa_supported(isa)) continue;
        strata_isa_select(STRATA_ISA_GENERIC);
        memset(reference, 0xA5, sizeof(float) * n);
        run(ctx, reference);
        strata_isa_select(isa);
        memset(got, 0xA5, sizeof(float) * n);
        run(ctx, got);
        const int bitwise = (tol.rtol == 0 && tol.atol == 0) ||
                            strata_isa_fused_multiply_add(isa) == strata_isa_fused_multiply_add(STRATA_ISA_GENERIC);
        checks++;
        exact_checks += bitwise;
        for (size_t i = 0; i < n; i++) {
            if (!agree(reference[i], got[i], tol, bitwise)) {
                printf("FAIL %s: %s gives %.9g at %zu, generic %.9g%s\n", what, strata_isa_name(isa), got[i], i,
                       reference[i], bitwise ? "" : " (beyond the tolerance)");
                failures++;
                break;
            }
        }
    }
    free(reference);
    free(got);
}

// Kernels without multiply-adds: the same bits in every tier.
static void check(const char *what, size_t n, check_body run, const void *ctx) { check_within(what, n, run, ctx, exact); }

typedef struct {
    const float *x;
    size_t n;
    int op;
    strata_epilogue ep;
    const float *bias;
} elementwise_case;

static void run_unary(const void *ctx, float *out) {
    const elementwise_case *c = ctx;
    strata_unary(c->op, c->x, out, c->n);
}

// strata_binary_f32 with op `op`; `bias` is y, and the steps are ep.alpha (x) and ep.beta (y).
static void run_binary(const void *ctx, float *out) {
    const elementwise_case *c = ctx;
    strata_binary_f32(c->op, c->x, (int)c->ep.alpha, c->bias, (int)c->ep.beta, out, c->n);
}

// Softmax of `rows` rows of n values (x is rows × n).
static void run_softmax(const void *ctx, float *out) {
    const elementwise_case *c = ctx;
    strata_softmax_rows(c->x, out, (size_t)c->op, c->n);
}

static void run_epilogue(const void *ctx, float *out) {
    const elementwise_case *c = ctx;
    strata_epilogue_apply(c->x, out, c->n, c->bias, &c->ep);
}

// strata_affine_apply by -0.625 and `bias` (0 without one).
static void run_affine(const void *ctx, float *out) {
    const elementwise_case *c = ctx;
    strata_affine_apply(c->x, out, c->n, -0.625f, c->bias ? *c->bias : 0.0f, &c->ep);
}

typedef struct {
    strata_window2d g;
    int channels, maps;
    const float *x, *w, *bias, *rows, *cols;
    strata_epilogue ep;
} window_case;

static void run_im2col(const void *ctx, float *out) {
    const window_case *c = ctx;
    strata_im2col_2d(c->x, &c->g, 0, c->channels * c->g.kernel_h * c->g.kernel_w, 0, c->g.out_h, out);
}

static void run_col2im(const void *ctx, float *out) {
    const window_case *c = ctx;
    for (size_t i = 0; i < (size_t)c->channels * c->g.in_h * c->g.in_w; i++) out[i] = 0.5f;
    strata_col2im_2d(c->w, &c->g, 0, c->channels, out);
}

static void run_depthwise_plane(const void *ctx, float *out) {
    const window_case *c = ctx;
    float *scratch = malloc(sizeof(float) * strata_depthwise_scratch(&c->g));
    strata_depthwise_prepare(&c->g, scratch);
    strata_depthwise_plane(c->x, c->w, c->bias[0], &c->g, out, scratch, &c->ep);
    free(scratch);
}

static void run_depthwise8(const void *ctx, float *out) {
    const window_case *c = ctx;
    float *scratch = malloc(sizeof(float) * strata_depthwise8_scratch(&c->g));
    const size_t in_size = (size_t)c->g.in_h * c->g.in_w, out_size = (size_t)c->g.out_h * c->g.out_w;
    strata_depthwise8(c->x, in_size, c->channels, c->w, c->bias, &c->g, out, out_size, scratch, &c->ep);
    free(scratch);
}

// Every output row of a convolution over `channels` inputs into `maps` outputs, in two calls.
static void run_conv_direct(const void *ctx, float *out) {
    const window_case *c = ctx;
    float *scratch = malloc(sizeof(float) * strata_conv_direct_scratch(&c->g, c->channels));
    const int half = c->g.out_h / 2;
    strata_conv_direct(c->x, c->channels, c->w, c->maps, c->bias, &c->g, 0, half, out, scratch, &c->ep);
    strata_conv_direct(c->x, c->channels, c->w, c->maps, c->bias, &c->g, half, c->g.out_h, out, scratch, &c->ep);
    free(scratch);
}

static void run_pool(const void *ctx, float *out, int max) {
    const window_case *c = ctx;
    float *scratch = malloc(sizeof(float) * strata_pool2d_scratch(&c->g));
    strata_pool2d_prepare(&c->g, max ? -INFINITY : 0.0f, scratch);
    if (max) {
        strata_maxpool2d_plane(c->x, &c->g, out, scratch);
    } else {
        strata_avgpool2d_plane(c->x, &c->g, c->rows, c->cols, out, scratch);
    }
    free(scratch);
}

static void run_maxpool(const void *ctx, float *out) { run_pool(ctx, out, 1); }
static void run_avgpool(const void *ctx, float *out) { run_pool(ctx, out, 0); }

typedef struct {
    int m, k, lda;
    const float *a, *b;
    strata_epilogue ep;
} gemv_case;

static void run_gemv(const void *ctx, float *out) {
    const gemv_case *c = ctx;
    strata_sgemv_rows(c->k, c->a, c->lda, c->b, 0, c->m, out, 1, &c->ep);
}

typedef struct {
    strata_window2d g;
    int channels, tiles;
    const float *x, *w, *m, *bias;
    strata_epilogue ep;
} winograd_case;

static void run_winograd_input(const void *ctx, float *out) {
    const winograd_case *c = ctx;
    float *scratch = malloc(sizeof(float) * strata_winograd_scratch(&c->g, (c->g.out_h + 3) / 4));
    strata_winograd_input(c->x, (size_t)c->g.in_h * c->g.in_w, c->channels, &c->g, 0, (c->g.out_h + 3) / 4, out,
                          (size_t)c->tiles * c->channels, c->channels, scratch);
    free(scratch);
}

static void run_winograd_weights(const void *ctx, float *out) {
    const winograd_case *c = ctx;
    strata_winograd_weights(c->w, c->channels, 7, out, (size_t)c->channels * 7, 7);
}

static void run_winograd_output(const void *ctx, float *out) {
    const winograd_case *c = ctx;
    float *scratch = malloc(sizeof(float) * strata_winograd_scratch(&c->g, (c->g.out_h + 3) / 4));
    strata_winograd_output(c->m, (size_t)c->tiles * c->channels, c->channels, c->channels, c->bias, &c->g, 0,
                           (c->g.out_h + 3) / 4, out, (size_t)c->g.out_h * c->g.out_w, scratch, &c->ep);
    free(scratch);
}

// The statistics kernels: their results' bytes as floats, compared bit for bit.
typedef struct {
    const float *x;
    size_t n;
    float lo, hi;
} statistics_case;

static void run_block_sums(const void *ctx, float *out) {
    const statistics_case *c = ctx;
    strata_block_sums sums;
    memset(&sums, 0, sizeof sums);
    strata_block_sums_f32(c->x, c->n, c->lo, c->hi, &sums);
    memcpy(out, &sums, sizeof sums);
}

static void run_run_max(const void *ctx, float *out) {
    const statistics_case *c = ctx;
    const strata_bands bands = {c->lo - 0.001f, c->lo + 0.001f, c->hi - 0.001f, c->hi + 0.001f};
    int64_t inside = -1;
    out[0] = strata_run_max_f32(c->x, c->n, &bands, c->lo, c->hi, &inside);
    out[1] = strata_run_max_f32(c->x, c->n, NULL, c->lo, c->hi, NULL);
    memcpy(out + 2, &inside, sizeof inside);
}

int main(void) {
    printf("kernel tiers: best %s;", strata_isa_name(strata_isa_best()));
    for (int isa = 0; isa < STRATA_ISA_COUNT; isa++) {
        if (strata_isa_supported(isa)) printf(" %s", strata_isa_name(isa));
    }
    printf("\n");
    char what[160];
    const strata_activation activations[] = {STRATA_ACT_NONE, STRATA_ACT_RELU, STRATA_ACT_CLIP, STRATA_ACT_LEAKY_RELU,
                                             STRATA_ACT_SIGMOID, STRATA_ACT_SILU, STRATA_ACT_HARD_SIGMOID,
                                             STRATA_ACT_HARD_SWISH, STRATA_ACT_GELU_ERF};
    const int n_activations = sizeof activations / sizeof *activations;

    rng_state = 1;
    const size_t counts[] = {1003, 517, 9};
    const float scales[] = {100.0f, 8.0f, 0.1f};
    for (int t = 0; t < 3; t++) {
        float *x = random_floats(counts[t], scales[t], 1);
        const float bias = 0.375f;
        for (int op = STRATA_UNARY_EXP; op <= STRATA_UNARY_ERF; op++) {
            elementwise_case c = {x, counts[t], op, {0}, NULL};
            snprintf(what, sizeof what, "unary %d, scale %g", op, scales[t]);
            check_within(what, counts[t], run_unary, &c, functions);
        }
        for (int a = 0; a < n_activations; a++) {
            for (int with_bias = 0; with_bias < 2; with_bias++) {
                elementwise_case c = {x, counts[t], 0, {.bias = NULL, .activation = activations[a], .alpha = -1.5f, .beta = 2.5f}, with_bias ? &bias : NULL};
                if (activations[a] == STRATA_ACT_HARD_SIGMOID) c.ep.alpha = 0.2f, c.ep.beta = 0.5f;
                if (activations[a] == STRATA_ACT_GELU_ERF) c.ep.alpha = 1.4142135f, c.ep.beta = 0.5f;
                snprintf(what, sizeof what, "activation %d, bias %d, scale %g", activations[a], with_bias, scales[t]);
                const int uses_exp = activations[a] == STRATA_ACT_SIGMOID || activations[a] == STRATA_ACT_SILU ||
                                     activations[a] == STRATA_ACT_GELU_ERF;
                check_within(what, counts[t], run_epilogue, &c, uses_exp ? functions : exact);
                snprintf(what, sizeof what, "affine, activation %d, shift %d, scale %g", activations[a], with_bias, scales[t]);
                check_within(what, counts[t], run_affine, &c, uses_exp ? functions : exact);
            }
        }
        // The four operations for each pair of steps, on values without NaNs (which operand's
        // payload a NaN keeps is the compiler's choice in the generic tier).
        float *x2 = random_floats(counts[t], scales[t], 0), *y2 = random_floats(counts[t], 3.0f, 0);
        for (int op = STRATA_BINARY_ADD; op <= STRATA_BINARY_DIVIDE; op++) {
            for (int steps = 0; steps < 4; steps++) {
                elementwise_case c = {x2, counts[t], op, {.alpha = (float)(steps & 1), .beta = (float)(steps >> 1)}, y2};
                snprintf(what, sizeof what, "binary %d, steps %d %d, %zu values", op, steps & 1, steps >> 1, counts[t]);
                check(what, counts[t], run_binary, &c);
            }
        }
        free(x2);
        free(y2);
        free(x);
    }

    for (int i = 0; i < 60; i++) {
        window_case c = {.g = random_window(), .channels = 1 + i % 19};  // up to three blocks of eight per depthwise8 call
        if (i >= 56) {
            // Stride-1 3×3 and 5×5 windows, which the per-plane depthwise kernel takes four rows at a time.
            const int k = i % 2 ? 5 : 3, h = 9 + i - 56, w = 29 + 2 * (i - 56), s = i >= 58 ? 2 : 1;
            c.g = (strata_window2d){h, w, (h - 1) / s + 1, (w - 1) / s + 1, k, k, s, s, 1, 1, k / 2, k / 2};
        }
        const size_t taps = (size_t)c.g.kernel_h * c.g.kernel_w, in_size = (size_t)c.g.in_h * c.g.in_w;
        const size_t out_size = (size_t)c.g.out_h * c.g.out_w;
        float *x = random_floats(c.channels * in_size, 4.0f, i % 5 == 0);
        float *w = random_floats(c.channels * taps * out_size, 1.0f, 0);
        float *bias = random_floats(c.channels, 1.0f, 0);
        float *rows = random_floats(c.g.out_h, 1.0f, 0), *cols = random_floats(c.g.out_w, 1.0f, 0);
        c.x = x, c.w = w, c.bias = bias, c.rows = rows, c.cols = cols;
        c.ep = (strata_epilogue){.bias = NULL, .activation = activations[i % n_activations], .alpha = -1.5f, .beta = 2.5f};
        snprintf(what, sizeof what, "%d×%d input, %d×%d kernel, strides %d,%d, dilations %d,%d, pads %d,%d", c.g.in_h,
                 c.g.in_w, c.g.kernel_h, c.g.kernel_w, c.g.stride_h, c.g.stride_w, c.g.dilation_h, c.g.dilation_w,
                 c.g.pad_top, c.g.pad_left);
        char name[240];
        snprintf(name, sizeof name, "im2col, %s", what);
        check(name, c.channels * taps * out_size, run_im2col, &c);
        snprintf(name, sizeof name, "col2im, %s", what);
        check(name, c.channels * in_size, run_col2im, &c);
        snprintf(name, sizeof name, "depthwise plane, %s", what);
        check_within(name, out_size, run_depthwise_plane, &c, sums);
        snprintf(name, sizeof name, "%d interleaved depthwise planes, %s", c.channels, what);
        check_within(name, c.channels * out_size, run_depthwise8, &c, sums);
        if (c.g.stride_w <= c.g.kernel_w * c.g.dilation_w) {
            window_case d = c;
            d.channels = 1 + i % 4, d.maps = 1 + i % 9;
            float *dx = random_floats((size_t)d.channels * in_size, 4.0f, i % 5 == 0);
            float *dw = random_floats((size_t)d.maps * d.channels * taps, 1.0f, 0);
            float *dbias = random_floats((size_t)d.maps, 1.0f, 0);
            d.x = dx, d.w = dw, d.bias = dbias;
            snprintf(name, sizeof name, "direct convolution of %d channels into %d, %s", d.channels, d.maps, what);
            check_within(name, (size_t)d.maps * out_size, run_conv_direct, &d, sums);
            free(dx), free(dw), free(dbias);
        }
        snprintf(name, sizeof name, "max pool, %s", what);
        check(name, out_size, run_maxpool, &c);
        snprintf(name, sizeof name, "average pool, %s", what);
        check(name, out_size, run_avgpool, &c);
        free(x), free(w), free(bias), free(rows), free(cols);
    }

    // Winograd F(4×4, 3×3) transforms: ragged planes, 1…8 channels, pads 0…2.
    for (int i = 0; i < 20; i++) {
        winograd_case c = {.channels = 1 + i % 8};
        const int ih = random_int(1, 19), iw = random_int(1, 19), top = random_int(0, 2), left = random_int(0, 2);
        const int oh = ih + top + random_int(0, 2) - 2, ow = iw + left + random_int(0, 2) - 2;
        if (oh < 1 || ow < 1) continue;
        c.g = (strata_window2d){ih, iw, oh, ow, 3, 3, 1, 1, 1, 1, top, left};
        c.tiles = ((oh + 3) / 4) * ((ow + 3) / 4);
        float *x = random_floats((size_t)c.channels * ih * iw, 4.0f, i % 4 == 0);
        float *w = random_floats((size_t)7 * c.channels * 9, 1.0f, 0);
        float *m = random_floats((size_t)36 * c.tiles * c.channels, 4.0f, 0), *bias = random_floats(c.channels, 1.0f, 0);
        c.x = x, c.w = w, c.m = m, c.bias = bias;
        c.ep = (strata_epilogue){.bias = NULL, .activation = activations[i % n_activations], .alpha = -1.5f, .beta = 2.5f};
        snprintf(what, sizeof what, "Winograd input, %d channels, %d×%d input, pads %d,%d", c.channels, ih, iw, top, left);
        check_within(what, (size_t)36 * c.tiles * c.channels, run_winograd_input, &c, sums);
        snprintf(what, sizeof what, "Winograd weights, %d channels", c.channels);
        check_within(what, (size_t)36 * c.channels * 7, run_winograd_weights, &c, sums);
        snprintf(what, sizeof what, "Winograd output, %d channels, %d×%d output", c.channels, oh, ow);
        check_within(what, (size_t)c.channels * oh * ow, run_winograd_output, &c, sums);
        free(x), free(w), free(m), free(bias);
    }

    const int ks[] = {1, 7, 8, 31, 32, 77, 200};
    for (int i = 0; i < 7; i++) {
        gemv_case c = {13, ks[i], ks[i] + 3, NULL, NULL, {.bias = NULL, .activation = STRATA_ACT_LEAKY_RELU, .alpha = 0.1f, .beta = 0.0f}};
        float *a = random_floats((size_t)c.m * c.lda, 1.0f, 0), *b = random_floats(c.k, 1.0f, 0);
        float *bias = random_floats(c.m, 1.0f, 0);
        c.a = a, c.b = b, c.ep.bias = bias;
        snprintf(what, sizeof what, "gemv, k %d", c.k);
        check_within(what, c.m, run_gemv, &c, sums);
        free(a), free(b), free(bias);
    }

    // Softmax rows around the vector widths and the sums' 32-value blocks (the exp within the
    // functions' tolerance of the generic tier's, like strata_unary's).
    const size_t widths[] = {1, 7, 8, 9, 31, 32, 33, 197};
    for (int i = 0; i < 8; i++) {
        const int rows = 3;
        float *x = random_floats((size_t)rows * widths[i], 30.0f, 0);
        elementwise_case c = {x, widths[i], rows, {.bias = NULL}, NULL};
        snprintf(what, sizeof what, "softmax rows of %zu", widths[i]);
        check_within(what, (size_t)rows * widths[i], run_softmax, &c, functions);
        free(x);
    }

    // Statistics' block sums and run maxima, with and without a clamp, with NaN and ±∞ among the
    // values, around the vector width.
    const size_t lengths[] = {0, 1, 7, 8, 9, 100, 8192, 8195};
    const float clamps[3][2] = {{-INFINITY, INFINITY}, {0.0f, 6.0f}, {-1.0f, 1.0f}};
    for (int i = 0; i < 8; i++) {
        float *x = random_floats(lengths[i] ? lengths[i] : 1, 8.0f, 1);
        for (int k = 0; k < 3; k++) {
            statistics_case c = {x, lengths[i], clamps[k][0], clamps[k][1]};
            snprintf(what, sizeof what, "block sums of %zu, clamp [%g, %g]", lengths[i], c.lo, c.hi);
            check(what, sizeof(strata_block_sums) / sizeof(float), run_block_sums, &c);
            snprintf(what, sizeof what, "run maximum of %zu, clamp [%g, %g]", lengths[i], c.lo, c.hi);
            check(what, 4, run_run_max, &c);
        }
        free(x);
    }

    printf("%d checks (%d exact), %d failed\n", checks, exact_checks, failures);
    return failures ? 1 : 0;
}

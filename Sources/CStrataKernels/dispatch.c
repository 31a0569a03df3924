// Run-time choice of the kernel tier and the public kernel entry points, which call the chosen
// tier's table (tiers.h).

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "CStrataKernels.h"
#include "tiers.h"

static const char *const tier_names[STRATA_ISA_COUNT] = {"generic", "neon", "avx2", "avx512"};

const char *strata_isa_name(int isa) { return isa >= 0 && isa < STRATA_ISA_COUNT ? tier_names[isa] : "unknown"; }

static const strata_kernel_table *table_of(int isa) {
    switch (isa) {
    case STRATA_ISA_GENERIC:
        return &strata_kernels_generic;
#if defined(__aarch64__)
    case STRATA_ISA_NEON:
        return &strata_kernels_neon;
#endif
#if defined(__x86_64__)
    case STRATA_ISA_AVX2:
        return &strata_kernels_avx2;
    case STRATA_ISA_AVX512:
        return &strata_kernels_avx512;
#endif
    default:
        return NULL;
    }
}

int strata_isa_best(void) {
#if defined(__x86_64__)
    // __builtin_cpu_supports reports a feature only when the OS also saves its registers (XCR0).
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return STRATA_ISA_GENERIC;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw")) {
        return STRATA_ISA_AVX512;
    }
    return STRATA_ISA_AVX2;
#elif defined(__aarch64__)
    // Advanced SIMD is part of every arm64 CPU the Linux and macOS ABIs allow.
    return STRATA_ISA_NEON;
#else
    return STRATA_ISA_GENERIC;
#endif
}

int strata_isa_supported(int isa) {
    // The tiers of one architecture form a chain: generic < neon, generic < avx2 < avx512.
    return table_of(isa) != NULL && (isa == STRATA_ISA_GENERIC || isa <= strata_isa_best());
}

int strata_isa_requested(int *isa) {
    const char *text = getenv("STRATA_ISA");
    if (!text || !*text) return 0;
    for (int i = 0; i < STRATA_ISA_COUNT; i++) {
        if (strcmp(text, tier_names[i]) == 0) {
            *isa = i;
            return strata_isa_supported(i) ? 1 : -2;
        }
    }
    return -1;
}

static _Atomic(const strata_kernel_table *) active_table;

// The table in use: on first use the tier STRATA_ISA names when this CPU runs it, else the best.
static const strata_kernel_table *active(void) {
    const strata_kernel_table *table = atomic_load_explicit(&active_table, memory_order_acquire);
    if (table) return table;
    int isa = strata_isa_best();
    int requested;
    if (strata_isa_requested(&requested) == 1) isa = requested;
    // Whoever gets here first decides; the others take its table.
    const strata_kernel_table *expected = NULL;
    if (!atomic_compare_exchange_strong_explicit(&active_table, &expected, table_of(isa), memory_order_acq_rel,
                                                 memory_order_acquire)) {
        return expected;
    }
    return table_of(isa);
}

int strata_isa_active(void) {
    const strata_kernel_table *table = active();
    for (int isa = 0; isa < STRATA_ISA_COUNT; isa++) {
        if (table_of(isa) == table) return isa;
    }
    return STRATA_ISA_GENERIC;  // unreachable: every table in use comes from table_of
}

int strata_isa_select(int isa) {
    if (!strata_isa_supported(isa)) return -1;
    atomic_store_explicit(&active_table, table_of(isa), memory_order_release);
    return 0;
}

int strata_isa_fused_multiply_add(int isa) {
    const strata_kernel_table *table = table_of(isa);
    return table ? table->fused_multiply_add : 0;
}

int strata_sgemm_supported(void) { return active()->sgemm != NULL; }

size_t strata_sgemm_scratch(void) { return STRATA_SGEMM_SCRATCH; }

void strata_sgemm(int m, int k, const float *a, int lda, const float *b, int ldb, int n_begin, int n_end, float *c,
                  int ldc, int accumulate, float *scratch, const strata_epilogue *ep) {
    active()->sgemm(m, k, a, lda, b, ldb, n_begin, n_end, c, ldc, accumulate, scratch, ep);
}

int strata_sgemm_packed_supported(void) { return active()->sgemm_packed != NULL; }

size_t strata_sgemm_packed_floats(int k, int n) {
    const size_t panels = ((size_t)n + STRATA_SGEMM_PANEL - 1) / STRATA_SGEMM_PANEL;
    return panels * (size_t)k * STRATA_SGEMM_PANEL;
}

void strata_sgemm_pack_b(int k, int n, const void *b, size_t row_stride, size_t column_stride, float *packed) {
    // Plain C in every tier: it runs once per weight, and the bytes may sit unaligned in a mapped
    // file.
    const unsigned char *bytes = (const unsigned char *)b;
    const int panels = (n + STRATA_SGEMM_PANEL - 1) / STRATA_SGEMM_PANEL;
    const int tail = n - (panels - 1) * STRATA_SGEMM_PANEL;
    const size_t panel_floats = (size_t)k * STRATA_SGEMM_PANEL;
    if (tail < STRATA_SGEMM_PANEL) {
        float *last = packed + (size_t)(panels - 1) * panel_floats;
        for (int p = 0; p < k; p++) memset(last + (size_t)p * STRATA_SGEMM_PANEL + tail, 0, sizeof(float) * (size_t)(STRATA_SGEMM_PANEL - tail));
    }
    if (column_stride == 1) {
        // Blocks of 32 rows: their source bytes stay in cache while each panel gets a 4 KB run.
        for (int p0 = 0; p0 < k; p0 += 32) {
            const int p1 = k - p0 < 32 ? k : p0 + 32;
            for (int panel = 0; panel < panels; panel++) {
                const int cols = panel == panels - 1 ? tail : STRATA_SGEMM_PANEL;
                float *out = packed + (size_t)panel * panel_floats;
                const unsigned char *in = bytes + sizeof(float) * (size_t)panel * STRATA_SGEMM_PANEL;
                if (cols == STRATA_SGEMM_PANEL) {
                    // A constant size: the copy is inlined as a few vector moves, not a call per row.
                    for (int p = p0; p < p1; p++) {
                        memcpy(out + (size_t)p * STRATA_SGEMM_PANEL, in + sizeof(float) * (size_t)p * row_stride,
                               sizeof(float) * STRATA_SGEMM_PANEL);
                    }
                } else {
                    for (int p = p0; p < p1; p++) {
                        memcpy(out + (size_t)p * STRATA_SGEMM_PANEL, in + sizeof(float) * (size_t)p * row_stride,
                               sizeof(float) * (size_t)cols);
                    }
                }
            }
        }
    } else {
        // B stored transposed: source row j is column j of B.
        for (int j = 0; j < n; j++) {
            const unsigned char *column = bytes + sizeof(float) * (size_t)j * column_stride;
            float *out = packed + (size_t)(j / STRATA_SGEMM_PANEL) * panel_floats + (size_t)(j % STRATA_SGEMM_PANEL);
            for (int p = 0; p < k; p++) {
                memcpy(out + (size_t)p * STRATA_SGEMM_PANEL, column + sizeof(float) * (size_t)p * row_stride, sizeof(float));
            }
        }
    }
}

void strata_sgemm_packed(int m, int k, const float *a, int lda, const float *packed, int n, int panel_begin, int panel_end,
                         float *c, int ldc, int accumulate, const strata_epilogue *ep) {
    active()->sgemm_packed(m, k, a, lda, packed, n, panel_begin, panel_end, c, ldc, accumulate, ep);
}

void strata_sgemm_packed_at(int m, int k, const float *a, int lda, const float *packed, int n, int panel_begin,
                            int panel_end, float *y, int ldy, float *scratch, const strata_epilogue *ep) {
    active()->sgemm_packed_at(m, k, a, lda, packed, n, panel_begin, panel_end, y, ldy, scratch, ep);
}

void strata_epilogue_apply(const float *x, float *y, size_t n, const float *bias, const strata_epilogue *ep) {
    active()->epilogue_apply(x, y, n, bias, ep);
}

void strata_affine_apply(const float *x, float *y, size_t n, float scale, float shift, const strata_epilogue *ep) {
    active()->affine_apply(x, y, n, scale, shift, ep);
}

void strata_unary(int op, const float *x, float *y, size_t n) { active()->unary(op, x, y, n); }
void strata_binary_f32(int op, const float *x, int x_step, const float *y, int y_step, float *z, size_t n) {
    active()->binary(op, x, x_step, y, y_step, z, n);
}
void strata_softmax_rows(const float *x, float *y, size_t rows, size_t n) { active()->softmax_rows(x, y, rows, n); }
void strata_block_sums_f32(const float *x, size_t n, float lo, float hi, strata_block_sums *out) {
    active()->block_sums(x, n, lo, hi, out);
}
float strata_run_max_f32(const float *x, size_t n, const strata_bands *bands, float lo, float hi, int64_t *in_bands) {
    return active()->run_max(x, n, bands, lo, hi, in_bands);
}

void strata_im2col_2d(const float *x, const strata_window2d *g, int r_begin, int r_end, int oh_begin, int oh_end,
                      float *col) {
    active()->im2col_2d(x, g, r_begin, r_end, oh_begin, oh_end, col);
}

void strata_col2im_2d(const float *col, const strata_window2d *g, int c_begin, int c_end, float *x) {
    active()->col2im_2d(col, g, c_begin, c_end, x);
}

void strata_depthwise_plane(const float *x, const float *w, float bias, const strata_window2d *g, float *y,
                            float *scratch, const strata_epilogue *ep) {
    active()->depthwise_plane(x, w, bias, g, y, scratch, ep);
}

void strata_depthwise8(const float *x, size_t in_stride, int channels, const float *w, const float *bias,
                       const strata_window2d *g, float *y, size_t out_stride, float *scratch, const strata_epilogue *ep) {
    active()->depthwise8(x, in_stride, channels, w, bias, g, y, out_stride, scratch, ep);
}

void strata_conv_direct(const float *x, int channels, const float *w, int maps, const float *bias,
                        const strata_window2d *g, int oh_begin, int oh_end, float *y, float *scratch,
                        const strata_epilogue *ep) {
    active()->conv_direct(x, channels, w, maps, bias, g, oh_begin, oh_end, y, scratch, ep);
}

void strata_sgemv_rows(int k, const float *a, int lda, const float *b, int i_begin, int i_end, float *c, int ldc,
                       const strata_epilogue *ep) {
    active()->sgemv_rows(k, a, lda, b, i_begin, i_end, c, ldc, ep);
}

void strata_winograd_input(const float *x, size_t plane, int channels, const strata_window2d *g, int tr_begin,
                           int tr_end, float *v, size_t xi_stride, size_t ldv, float *scratch) {
    active()->winograd_input(x, plane, channels, g, tr_begin, tr_end, v, xi_stride, ldv, scratch);
}

void strata_winograd_weights(const float *w, int channels, int count, float *u, size_t xi_stride, size_t ldu) {
    active()->winograd_weights(w, channels, count, u, xi_stride, ldu);
}

void strata_winograd_output(const float *m, size_t xi_stride, size_t ldm, int channels, const float *bias,
                            const strata_window2d *g, int tr_begin, int tr_end, float *y, size_t plane, float *scratch,
                            const strata_epilogue *ep) {
    active()->winograd_output(m, xi_stride, ldm, channels, bias, g, tr_begin, tr_end, y, plane, scratch, ep);
}

void strata_maxpool2d_plane(const float *x, const strata_window2d *g, float *y, float *scratch) {
    active()->maxpool2d_plane(x, g, y, scratch);
}

void strata_avgpool2d_plane(const float *x, const strata_window2d *g, const float *row_scale, const float *col_scale,
                            float *y, float *scratch) {
    active()->avgpool2d_plane(x, g, row_scale, col_scale, y, scratch);
}

#ifndef STRATA_TIERS_H
#define STRATA_TIERS_H

// The kernels of one instruction-set tier, as a table of function pointers. dispatch.c picks one
// table at start (or as STRATA_ISA says) and every public kernel entry point calls through it.

#include <stddef.h>
#include "CStrataKernels.h"

/// Floats of scratch one strata_sgemm call needs (one packed 256-deep, 32-wide panel of B).
#define STRATA_SGEMM_SCRATCH (256 * 32)
/// Columns of one panel of B, as the GEMM reads it (sgemm512.c's NR).
#define STRATA_SGEMM_PANEL 32

typedef struct {
    void (*epilogue_apply)(const float *x, float *y, size_t n, const float *bias, const strata_epilogue *ep);
    /// strata_affine_apply's contract.
    void (*affine_apply)(const float *x, float *y, size_t n, float scale, float shift, const strata_epilogue *ep);
    void (*unary)(int op, const float *x, float *y, size_t n);
    /// strata_binary_f32's contract.
    void (*binary)(int op, const float *x, int x_step, const float *y, int y_step, float *z, size_t n);
    void (*im2col_2d)(const float *x, const strata_window2d *g, int r_begin, int r_end, int oh_begin, int oh_end, float *col);
    void (*col2im_2d)(const float *col, const strata_window2d *g, int c_begin, int c_end, float *x);
    void (*depthwise_plane)(const float *x, const float *w, float bias, const strata_window2d *g, float *y,
                            float *scratch, const strata_epilogue *ep);
    void (*depthwise8)(const float *x, size_t in_stride, int channels, const float *w, const float *bias,
                       const strata_window2d *g, float *y, size_t out_stride, float *scratch, const strata_epilogue *ep);
    void (*conv_direct)(const float *x, int channels, const float *w, int maps, const float *bias,
                        const strata_window2d *g, int oh_begin, int oh_end, float *y, float *scratch,
                        const strata_epilogue *ep);
    void (*sgemv_rows)(int k, const float *a, int lda, const float *b, int i_begin, int i_end, float *c, int ldc,
                       const strata_epilogue *ep);
    void (*maxpool2d_plane)(const float *x, const strata_window2d *g, float *y, float *scratch);
    void (*avgpool2d_plane)(const float *x, const strata_window2d *g, const float *row_scale, const float *col_scale,
                            float *y, float *scratch);
    void (*winograd_input)(const float *x, size_t plane, int channels, const strata_window2d *g, int tr_begin,
                           int tr_end, float *v, size_t xi_stride, size_t ldv, float *scratch);
    void (*winograd_weights)(const float *w, int channels, int count, float *u, size_t xi_stride, size_t ldu);
    void (*winograd_output)(const float *m, size_t xi_stride, size_t ldm, int channels, const float *bias,
                            const strata_window2d *g, int tr_begin, int tr_end, float *y, size_t plane, float *scratch,
                            const strata_epilogue *ep);
    /// strata_block_sums_f32's contract.
    void (*block_sums)(const float *x, size_t n, float lo, float hi, strata_block_sums *out);
    /// strata_run_max_f32's contract.
    float (*run_max)(const float *x, size_t n, const strata_bands *bands, float lo, float hi, int64_t *in_bands);
    /// strata_softmax_rows's contract.
    void (*softmax_rows)(const float *x, float *y, size_t rows, size_t n);
    /// Strata's own GEMM (strata_sgemm's contract), or NULL where the tier has none and OpenBLAS runs.
    void (*sgemm)(int m, int k, const float *a, int lda, const float *b, int ldb, int n_begin, int n_end, float *c,
                  int ldc, int accumulate, float *scratch, const strata_epilogue *ep);
    /// The same GEMM over B already in panels (strata_sgemm_packed's contract), NULL with `sgemm`.
    void (*sgemm_packed)(int m, int k, const float *a, int lda, const float *packed, int n, int panel_begin,
                         int panel_end, float *c, int ldc, int accumulate, const strata_epilogue *ep);
    /// The GEMM over packed B with A stored by columns and the result stored transposed
    /// (strata_sgemm_packed_at's contract), NULL with `sgemm`.
    void (*sgemm_packed_at)(int m, int k, const float *a, int lda, const float *packed, int n, int panel_begin,
                            int panel_end, float *y, int ldy, float *scratch, const strata_epilogue *ep);
    /// Whether the tier's multiply-adds round once (vec8.h's STRATA_FUSED_MULTIPLY_ADD).
    int fused_multiply_add;
} strata_kernel_table;

/// Portable C (tier_generic.c): any CPU.
extern const strata_kernel_table strata_kernels_generic;
#if defined(__x86_64__)
/// AVX2 and FMA (tier_avx2.c).
extern const strata_kernel_table strata_kernels_avx2;
/// The AVX2 kernels with the AVX-512 GEMM and activations of sgemm512.c, the depthwise planes and
/// interleaved depthwise blocks of depthwise512.c and the softmax rows of softmax512.c (tier_avx2.c).
extern const strata_kernel_table strata_kernels_avx512;
void strata_epilogue_apply_avx512(const float *x, float *y, size_t n, const float *bias, const strata_epilogue *ep);
void strata_affine_apply_avx512(const float *x, float *y, size_t n, float scale, float shift, const strata_epilogue *ep);
void strata_sgemm_avx512(int m, int k, const float *a, int lda, const float *b, int ldb, int n_begin, int n_end,
                         float *c, int ldc, int accumulate, float *scratch, const strata_epilogue *ep);
void strata_sgemm_packed_at_avx512(int m, int k, const float *a, int lda, const float *packed, int n, int panel_begin,
                                   int panel_end, float *y, int ldy, float *scratch, const strata_epilogue *ep);
void strata_sgemm_packed_avx512(int m, int k, const float *a, int lda, const float *packed, int n, int panel_begin,
                                int panel_end, float *c, int ldc, int accumulate, const strata_epilogue *ep);
void strata_softmax_rows_avx512(const float *x, float *y, size_t rows, size_t n);
void strata_depthwise_plane_avx512(const float *x, const float *w, float bias, const strata_window2d *g, float *y,
                                   float *scratch, const strata_epilogue *ep);
void strata_depthwise8_avx512(const float *x, size_t in_stride, int channels, const float *w, const float *bias,
                              const strata_window2d *g, float *y, size_t out_stride, float *scratch,
                              const strata_epilogue *ep);
#endif
#if defined(__aarch64__)
/// NEON (tier_neon.c).
extern const strata_kernel_table strata_kernels_neon;
#endif

#endif

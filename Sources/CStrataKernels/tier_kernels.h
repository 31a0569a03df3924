#ifndef STRATA_TIER_KERNELS_H
#define STRATA_TIER_KERNELS_H

// Every kernel template, for one tier. A tier file (tier_generic.c, tier_avx2.c, tier_neon.c)
// chooses the vec8.h implementation, makes its functions target the tier's instruction set, and
// includes this header once; the templates define static `tier_*` functions, which
// STRATA_TIER_KERNELS lists in strata_kernel_table order. The kernels are written once: only
// vec8.h differs between tiers, and its operations round alike, so every tier computes the same
// bits, except that the generic tier on x86 rounds multiply-adds twice, and strata_sgemm, which
// only the AVX-512 tier has.

// No implicit fused multiply-adds: a tier whose target has FMA would otherwise contract a * b + c
// where another does not. Fused operations are written out (v8_fma, strata_fmaf).
#pragma STDC FP_CONTRACT OFF

#include "tiers.h"
#include "vec8.h"
#include "math8.h"
#include "conv2d_kernels.h"
#include "conv_direct_kernels.h"
#include "pool2d_kernels.h"
#include "gemv_kernels.h"
#include "winograd_kernels.h"
#include "softmax_kernels.h"
#include "stats_kernels.h"
#include "binary_kernels.h"

/// The tier's table entries, strata_sgemm and the epilogue aside:
/// `{STRATA_TIER_KERNELS, .epilogue_apply = ..., .sgemm = ...}`.
#define STRATA_TIER_KERNELS                                                                                           \
    .unary = tier_unary, .im2col_2d = tier_im2col_2d,                         \
    .col2im_2d = tier_col2im_2d, .depthwise_plane = tier_depthwise_plane, .depthwise8 = tier_depthwise8,             \
    .conv_direct = tier_conv_direct,                                                                                   \
    .sgemv_rows = tier_sgemv_rows, .maxpool2d_plane = tier_maxpool2d_plane, .avgpool2d_plane = tier_avgpool2d_plane, \
    .winograd_input = tier_winograd_input, .winograd_weights = tier_winograd_weights,                               \
    .winograd_output = tier_winograd_output, .softmax_rows = tier_softmax_rows,                 \
    .affine_apply = tier_affine_apply, .block_sums = tier_block_sums, .run_max = tier_run_max, .binary = tier_binary,                                                                                  \
    .fused_multiply_add = STRATA_FUSED_MULTIPLY_ADD

#endif

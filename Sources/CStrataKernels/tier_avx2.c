// The AVX2 tier (x86-64): the kernel templates over __m256, every function in this file built for
// AVX2 and FMA whatever the package's flags, and called only where the CPU has both. The AVX-512
// tier is these kernels with the AVX-512 GEMM of sgemm512.c, the depthwise kernels of depthwise512.c
// and the softmax rows of softmax512.c.

#if defined(__x86_64__)

#include <immintrin.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tiers.h"

#define STRATA_VEC8_AVX2 1
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "tier_kernels.h"
#pragma clang attribute pop

const strata_kernel_table strata_kernels_avx2 = {STRATA_TIER_KERNELS, .epilogue_apply = tier_epilogue_apply, .sgemm = NULL,
                                                .sgemm_packed = NULL, .sgemm_packed_at = NULL};
const strata_kernel_table strata_kernels_avx512 = {STRATA_TIER_KERNELS, .epilogue_apply = strata_epilogue_apply_avx512,
                                                  .affine_apply = strata_affine_apply_avx512,
                                                  .depthwise_plane = strata_depthwise_plane_avx512,
                                                  .depthwise8 = strata_depthwise8_avx512,
                                                  .softmax_rows = strata_softmax_rows_avx512,
                                                  .sgemm = strata_sgemm_avx512,
                                                  .sgemm_packed = strata_sgemm_packed_avx512,
                                                  .sgemm_packed_at = strata_sgemm_packed_at_avx512};

#endif

// The NEON tier (arm64): the kernel templates over pairs of float32x4_t. Every arm64 CPU has
// NEON, so nothing here needs a target attribute.

#if defined(__aarch64__)

#include <arm_neon.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define STRATA_VEC8_NEON 1
#include "tier_kernels.h"

const strata_kernel_table strata_kernels_neon = {STRATA_TIER_KERNELS, .epilogue_apply = tier_epilogue_apply, .sgemm = NULL, .sgemm_packed = NULL,
    .sgemm_packed_at = NULL};

#endif

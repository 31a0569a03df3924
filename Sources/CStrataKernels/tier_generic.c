// The portable tier: the kernel templates over vec8.h's plain eight-float arrays, for any CPU the
// compiler targets (the compiler vectorises what it can for the baseline instruction set).

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tier_kernels.h"

const strata_kernel_table strata_kernels_generic = {STRATA_TIER_KERNELS, .epilogue_apply = tier_epilogue_apply, .sgemm = NULL, .sgemm_packed = NULL,
    .sgemm_packed_at = NULL};

#ifndef STRATA_GEMV_KERNELS_H
#define STRATA_GEMV_KERNELS_H

// Tier template (see tier_kernels.h): the product of a matrix with one column.

#include "CStrataKernels.h"
#include "math8.h"
#include "vec8.h"

// Rows [i_begin, i_end) of c[i·ldc] = act(A[i]·b + bias[i]): the product with a single column,
// where a panel kernel would pad the column to a full panel. Four chains of eight lanes, summed
// lane by lane in a fixed order, then the last k mod 8 terms.
static void tier_sgemv_rows(int k, const float *a, int lda, const float *b, int i_begin, int i_end, float *c, int ldc,
                            const strata_epilogue *ep) {
    for (int i = i_begin; i < i_end; i++) {
        const float *row = a + (size_t)i * lda;
        v8f s0 = v8_zero(), s1 = s0, s2 = s0, s3 = s0;
        int p = 0;
        for (; p + 32 <= k; p += 32) {
            s0 = v8_fma(v8_load(row + p), v8_load(b + p), s0);
            s1 = v8_fma(v8_load(row + p + 8), v8_load(b + p + 8), s1);
            s2 = v8_fma(v8_load(row + p + 16), v8_load(b + p + 16), s2);
            s3 = v8_fma(v8_load(row + p + 24), v8_load(b + p + 24), s3);
        }
        for (; p + 8 <= k; p += 8) s0 = v8_fma(v8_load(row + p), v8_load(b + p), s0);
        float lanes[8];
        v8_store(lanes, v8_add(v8_add(s0, s1), v8_add(s2, s3)));
        float sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
        for (; p < k; p++) sum = strata_fmaf(row[p], b[p], sum);
        float *out = c + (size_t)i * ldc;
        *out = sum;
        if (ep && (ep->bias || ep->activation != STRATA_ACT_NONE)) {
            strata_epilogue_row(out, out, 1, ep->bias ? ep->bias + i : NULL, ep);
        }
    }
}

#endif

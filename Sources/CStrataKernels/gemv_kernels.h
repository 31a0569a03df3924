#ifndef STRATA_GEMV_KERNELS_H
#define STRATA_GEMV_KERNELS_H

// Tier template (see tier_kernels.h): the product of a matrix with one column.

#include "CStrataKernels.h"
#include "math8.h"
#include "vec8.h"

// Rows [i_begin, i_end) of c[i·ldc] = act(A[i]·b + bias[i]): the product with a single column,
// where a panel kernel would pad the column to a full panel. Each row is one chain of eight lanes
// over the whole multiples of eight, its lanes summed as ((0+1)+(2+3))+((4+5)+(6+7)), then the last
// k mod 8 terms in order. Eight rows at a time share each load of b and sum their lanes through a
// transpose, which adds them in that same order, so a row's bits do not depend on which rows it is
// computed with (the threads cut the rows anywhere).
V8 void gemv_finish(float sum, const float *row, const float *b, int k8, int k, int i, float *c, int ldc,
                    const strata_epilogue *ep) {
    for (int p = k8; p < k; p++) sum = strata_fmaf(row[p], b[p], sum);
    float *out = c + (size_t)i * ldc;
    *out = sum;
    if (ep && (ep->bias || ep->activation != STRATA_ACT_NONE)) {
        strata_epilogue_row(out, out, 1, ep->bias ? ep->bias + i : NULL, ep);
    }
}

static void tier_sgemv_rows(int k, const float *a, int lda, const float *b, int i_begin, int i_end, float *c, int ldc,
                            const strata_epilogue *ep) {
    const int k8 = k & ~7;
    int i = i_begin;
    for (; i + 8 <= i_end; i += 8) {
        const float *r = a + (size_t)i * lda;
        const size_t s = (size_t)lda;
        v8f v[8] = {v8_zero(), v8_zero(), v8_zero(), v8_zero(), v8_zero(), v8_zero(), v8_zero(), v8_zero()};
        for (int p = 0; p < k8; p += 8) {
            const v8f x = v8_load(b + p);
            v[0] = v8_fma(v8_load(r + p), x, v[0]);
            v[1] = v8_fma(v8_load(r + s + p), x, v[1]);
            v[2] = v8_fma(v8_load(r + 2 * s + p), x, v[2]);
            v[3] = v8_fma(v8_load(r + 3 * s + p), x, v[3]);
            v[4] = v8_fma(v8_load(r + 4 * s + p), x, v[4]);
            v[5] = v8_fma(v8_load(r + 5 * s + p), x, v[5]);
            v[6] = v8_fma(v8_load(r + 6 * s + p), x, v[6]);
            v[7] = v8_fma(v8_load(r + 7 * s + p), x, v[7]);
        }
        v8_transpose(v);
        float sums[8];
        v8_store(sums, v8_add(v8_add(v8_add(v[0], v[1]), v8_add(v[2], v[3])), v8_add(v8_add(v[4], v[5]), v8_add(v[6], v[7]))));
        for (int q = 0; q < 8; q++) gemv_finish(sums[q], r + q * s, b, k8, k, i + q, c, ldc, ep);
    }
    for (; i < i_end; i++) {
        const float *row = a + (size_t)i * lda;
        v8f v = v8_zero();
        for (int p = 0; p < k8; p += 8) v = v8_fma(v8_load(row + p), v8_load(b + p), v);
        float l[8];
        v8_store(l, v);
        gemv_finish(((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7])), row, b, k8, k, i, c, ldc, ep);
    }
}

#endif

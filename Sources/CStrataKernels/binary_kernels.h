#ifndef STRATA_BINARY_KERNELS_H
#define STRATA_BINARY_KERNELS_H

// strata_binary_f32 in one tier (included by tier_kernels.h after vec8.h): one loop per operation
// and per pair of steps, so that each is a plain vector loop. Every result is the one IEEE
// operation on the two floats, the same in every tier and lane.

#define STRATA_BINARY_LOOPS(VOP, SOP)                                                                   \
    if (x_step && y_step) {                                                                         \
        for (; i + 8 <= n; i += 8) v8_store(z + i, VOP(v8_load(x + i), v8_load(y + i)));           \
        for (; i < n; i++) z[i] = x[i] SOP y[i];                                                    \
    } else if (x_step) {                                                                            \
        const float s = *y;                                                                         \
        const v8f v = v8_set1(s);                                                                   \
        for (; i + 8 <= n; i += 8) v8_store(z + i, VOP(v8_load(x + i), v));                         \
        for (; i < n; i++) z[i] = x[i] SOP s;                                                       \
    } else if (y_step) {                                                                            \
        const float s = *x;                                                                         \
        const v8f v = v8_set1(s);                                                                   \
        for (; i + 8 <= n; i += 8) v8_store(z + i, VOP(v, v8_load(y + i)));                         \
        for (; i < n; i++) z[i] = s SOP y[i];                                                       \
    } else {                                                                                        \
        const float r = *x SOP *y;                                                                  \
        for (; i < n; i++) z[i] = r;                                                                \
    }

static void tier_binary(int op, const float *x, int x_step, const float *y, int y_step, float *z, size_t n) {
    size_t i = 0;
    switch (op) {
    case STRATA_BINARY_ADD: STRATA_BINARY_LOOPS(v8_add, +) break;
    case STRATA_BINARY_SUBTRACT: STRATA_BINARY_LOOPS(v8_sub, -) break;
    case STRATA_BINARY_MULTIPLY: STRATA_BINARY_LOOPS(v8_mul, *) break;
    case STRATA_BINARY_DIVIDE: STRATA_BINARY_LOOPS(v8_div, /) break;
    default: break;
    }
}

#undef STRATA_BINARY_LOOPS

#endif

// Tier template (see tier_kernels.h): softmax along rows of contiguous values, the float32 steps
// of SoftmaxKernel without leaving C for each (the largest value, e^(x − max) into y with their sum,
// y times 1/sum). Every step is the Swift loop's operation in its order (the sum in the 32 running
// sums of VectorLoops.total, added up in its order), so the values are the ones the separate steps
// gave. ViT-B/16's attention rows (197 wide) took 1 ns a value through the separate steps.

// e^(x[i] − m) into y[i] for n values, the tail through a zero-padded vector as unary_loop does. No
// x[i] − m is above 0 (m is the largest value), which exp8_at_most_zero takes with fewer steps.
V8 void softmax_exponentiate(const float *x, float *y, size_t n, float m) {
    const v8f vm = v8_set1(m);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) v8_store(y + i, exp8_at_most_zero(v8_sub(v8_load(x + i), vm)));
    if (i < n) {
        float tail[8] = {0};
        for (size_t k = 0; k < n - i; k++) tail[k] = x[i + k] - m;
        v8_store(tail, exp8_at_most_zero(v8_load(tail)));
        for (size_t k = 0; k < n - i; k++) y[i + k] = tail[k];
    }
}

// The sum of p[0..n) as VectorLoops.total adds it.
V8 float softmax_total(const float *p, size_t n) {
    v8f a0 = v8_zero(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = v8_add(a0, v8_load(p + i));
        a1 = v8_add(a1, v8_load(p + i + 8));
        a2 = v8_add(a2, v8_load(p + i + 16));
        a3 = v8_add(a3, v8_load(p + i + 24));
    }
    for (; i + 8 <= n; i += 8) a0 = v8_add(a0, v8_load(p + i));
    float v[8];
    v8_store(v, v8_add(v8_add(a0, a1), v8_add(a2, a3)));
    float s = ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
    for (; i < n; i++) s += p[i];
    return s;
}

// The largest of p[0..n) (n > 0) as VectorLoops.maximum finds it: exact, whatever the order, but
// where NaN is among the values (the whole row is NaN then either way).
V8 float softmax_maximum(const float *p, size_t n) {
    size_t i = 0;
    float m = p[0];
    if (n >= 8) {
        v8f lanes = v8_load(p);
        for (i = 8; i + 8 <= n; i += 8) {
            const v8f v = v8_load(p + i);
            lanes = v8_select(v8_gt(v, lanes), v, lanes);
        }
        float l[8];
        v8_store(l, lanes);
        m = l[0];
        for (int k = 1; k < 8; k++) {
            if (l[k] > m) m = l[k];
        }
    }
    for (; i < n; i++) {
        if (p[i] > m) m = p[i];
    }
    return m;
}

static void tier_softmax_rows(const float *x, float *y, size_t rows, size_t n) {
    if (n == 0) return;
    for (size_t r = 0; r < rows; r++) {
        const float *src = x + r * n;
        float *dst = y + r * n;
        softmax_exponentiate(src, dst, n, softmax_maximum(src, n));
        const float inverse = 1.0f / softmax_total(dst, n);
        const v8f scale = v8_set1(inverse);
        size_t i = 0;
        for (; i + 8 <= n; i += 8) v8_store(dst + i, v8_mul(v8_load(dst + i), scale));
        for (; i < n; i++) dst[i] *= inverse;
    }
}

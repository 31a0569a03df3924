#ifndef STRATA_WINOGRAD_KERNELS_H
#define STRATA_WINOGRAD_KERNELS_H

// ---- Winograd F(4×4, 3×3) convolution ----------------------------------------------------------
//
// A 3×3 stride-1 convolution gets each 4×4 block of output pixels (a tile) from the 6×6 input
// patch under it with 36 multiplications per pair of channels instead of 144 (Lavin and Gray,
// "Fast Algorithms for Convolutional Neural Networks", 2016; interpolation points 0, ±1, ±2, ∞):
// the patch d becomes V = Bᵀ·d·B and the taps g become U = G·g·Gᵀ, both 6×6; for each of the 36
// positions ξ the engine multiplies M_ξ = V_ξ·U_ξ over all tiles (rows) and channels (a GEMM), and
// each tile's outputs are Aᵀ·M·A. These three templates are the transforms. They work on eight
// channels at a time, one vector per pixel of eight channels, so every load and store is a whole
// vector whatever the plane size; the channel-interleaved copies are made with 8×8 transposes.
//
// Layouts (all float32): V and M are [36][tiles][channels] (element (ξ, t, c) at
// ξ·xi_stride + t·ld + c), U is [36][input channels][output channels]; a call on tile rows
// [tr_begin, tr_end) numbers its tiles (tile_row − tr_begin)·tiles_w + tile_column, with
// tiles_w = ceil(out_w / 4) and tiles_h = ceil(out_h / 4).

// The six rows (or columns) of Bᵀ·d for six vectors d[0], d[s], …, d[5s].
V8 void wino_input_1d(const v8f *d, int s, v8f *o, int so) {
    const v8f four = v8_set1(4.0f), minus_four = v8_set1(-4.0f), minus_five = v8_set1(-5.0f), two = v8_set1(2.0f);
    const v8f a = v8_fma(minus_four, d[2 * s], d[4 * s]), b = v8_fma(minus_four, d[1 * s], d[3 * s]);
    const v8f c = v8_sub(d[4 * s], d[2 * s]), e = v8_mul(two, v8_sub(d[3 * s], d[1 * s]));
    o[0] = v8_fma(four, d[0], v8_fma(minus_five, d[2 * s], d[4 * s]));
    o[1 * so] = v8_add(a, b);
    o[2 * so] = v8_sub(a, b);
    o[3 * so] = v8_add(c, e);
    o[4 * so] = v8_sub(c, e);
    o[5 * so] = v8_fma(four, d[1 * s], v8_fma(minus_five, d[3 * s], d[5 * s]));
}

// The six rows (or columns) of G·g for three vectors g[0], g[s], g[2s].
V8 void wino_weights_1d(const v8f *g, int s, v8f *o, int so) {
    const v8f quarter = v8_set1(0.25f), minus_sixth = v8_set1(-1.0f / 6.0f);
    const v8f sixth = v8_set1(1.0f / 6.0f), twelfth = v8_set1(1.0f / 12.0f), twentyfourth = v8_set1(1.0f / 24.0f);
    const v8f outer = v8_add(g[0], g[2 * s]);
    const v8f t = v8_fma(twentyfourth, g[0], v8_mul(sixth, g[2 * s])), m = v8_mul(twelfth, g[1 * s]);
    o[0] = v8_mul(quarter, g[0]);
    o[1 * so] = v8_mul(minus_sixth, v8_add(outer, g[1 * s]));
    o[2 * so] = v8_mul(minus_sixth, v8_sub(outer, g[1 * s]));
    o[3 * so] = v8_add(t, m);
    o[4 * so] = v8_sub(t, m);
    o[5 * so] = g[2 * s];
}

// The four rows (or columns) of Aᵀ·m for six vectors m[0], m[s], …, m[5s].
V8 void wino_output_1d(const v8f *m, int s, v8f *o, int so) {
    const v8f two = v8_set1(2.0f), four = v8_set1(4.0f), eight = v8_set1(8.0f);
    const v8f sum12 = v8_add(m[1 * s], m[2 * s]), diff12 = v8_sub(m[1 * s], m[2 * s]);
    const v8f sum34 = v8_add(m[3 * s], m[4 * s]), diff34 = v8_sub(m[3 * s], m[4 * s]);
    o[0] = v8_add(v8_add(m[0], sum12), sum34);
    o[1 * so] = v8_fma(two, diff34, diff12);
    o[2 * so] = v8_fma(four, sum34, sum12);
    o[3 * so] = v8_add(v8_fma(eight, diff34, diff12), m[5 * s]);
}

// The first `lanes` lanes of v to p (the rest of p is another group's).
V8 void wino_store(float *p, v8f v, int lanes) {
    if (lanes == 8) {
        v8_store(p, v);
    } else {
        float tmp[8];
        v8_store(tmp, v);
        for (int l = 0; l < lanes; l++) p[l] = tmp[l];
    }
}

// Eight lanes from p, of which the first `lanes` are read (the others are 0).
V8 v8f wino_load(const float *p, int lanes) {
    if (lanes == 8) return v8_load(p);
    float tmp[8] = {0};
    for (int l = 0; l < lanes; l++) tmp[l] = p[l];
    return v8_load(tmp);
}

// V for `channels` (1…8) input planes (plane c at x + c·plane) and tile rows [tr_begin, tr_end):
// v[ξ·xi_stride + t·ldv + c]. `scratch` (strata_winograd_scratch floats) holds the interleaved
// input rows under those tiles, zeros where they are padding or past the plane.
static void tier_winograd_input(const float *x, size_t plane, int channels, const strata_window2d *g, int tr_begin,
                                int tr_end, float *v, size_t xi_stride, size_t ldv, float *scratch) {
    const int tiles_w = (g->out_w + 3) / 4;
    const int rows = 4 * (tr_end - tr_begin) + 2, cols = 4 * tiles_w + 2;
    const int lo = g->pad_left < cols ? g->pad_left : cols;
    const int hi = g->pad_left + g->in_w < cols ? g->pad_left + g->in_w : cols;
    for (int r = 0; r < rows; r++) {
        float *dst = scratch + (size_t)r * cols * 8;
        const int ih = 4 * tr_begin - g->pad_top + r;
        if (ih < 0 || ih >= g->in_h) {
            memset(dst, 0, sizeof(float) * 8 * (size_t)cols);
            continue;
        }
        memset(dst, 0, sizeof(float) * 8 * (size_t)lo);
        const float *src = x + (size_t)ih * g->in_w - g->pad_left;  // src[col] is column col of the copy
        int col = lo;
        for (; col + 8 <= hi; col += 8) {
            v8f t[8];
            for (int c = 0; c < 8; c++) t[c] = c < channels ? v8_load(src + (size_t)c * plane + col) : v8_zero();
            v8_transpose(t);
            for (int j = 0; j < 8; j++) v8_store(dst + (size_t)(col + j) * 8, t[j]);
        }
        for (; col < hi; col++) {
            for (int c = 0; c < 8; c++) dst[(size_t)col * 8 + c] = c < channels ? src[(size_t)c * plane + col] : 0.0f;
        }
        memset(dst + (size_t)hi * 8, 0, sizeof(float) * 8 * (size_t)(cols - hi));  // hi ≥ lo
    }
    for (int tr = tr_begin; tr < tr_end; tr++) {
        const float *band = scratch + (size_t)4 * (tr - tr_begin) * cols * 8;
        for (int tc = 0; tc < tiles_w; tc++) {
            const float *p = band + (size_t)4 * tc * 8;
            v8f d[6], t[36], o[36];
            for (int j = 0; j < 6; j++) {
                for (int i = 0; i < 6; i++) d[i] = v8_load(p + ((size_t)i * cols + j) * 8);
                wino_input_1d(d, 1, &t[j], 6);
            }
            for (int i = 0; i < 6; i++) wino_input_1d(&t[i * 6], 1, &o[i * 6], 1);
            float *dst = v + ((size_t)(tr - tr_begin) * tiles_w + tc) * ldv;
            for (int xi = 0; xi < 36; xi++) wino_store(dst + (size_t)xi * xi_stride, o[xi], channels);
        }
    }
}

// U of a [count][channels][3][3] kernel w (any count): u[ξ·xi_stride + c·ldu + k] for k < count.
// Each input channel's values for all `count` output channels are written together, so that every
// cache line of U is written whole at once.
static void tier_winograd_weights(const float *w, int channels, int count, float *u, size_t xi_stride, size_t ldu) {
    for (int c = 0; c < channels; c++) {
        for (int k0 = 0; k0 < count; k0 += 8) {
            const int lanes = count - k0 < 8 ? count - k0 : 8;
            // Taps 0…7 of the eight kernels through an 8×8 transpose, tap 8 one by one.
            v8f gv[9], h[18], o[36];
            float last[8] = {0};
            for (int k = 0; k < 8; k++) {
                const float *src = w + ((size_t)(k0 + k) * channels + c) * 9;
                gv[k] = k < lanes ? v8_load(src) : v8_zero();
                if (k < lanes) last[k] = src[8];
            }
            v8_transpose(gv);
            gv[8] = v8_load(last);
            for (int j = 0; j < 3; j++) wino_weights_1d(&gv[j], 3, &h[j], 3);
            for (int i = 0; i < 6; i++) wino_weights_1d(&h[i * 3], 1, &o[i * 6], 1);
            float *dst = u + (size_t)c * ldu + k0;
            for (int xi = 0; xi < 36; xi++) wino_store(dst + (size_t)xi * xi_stride, o[xi], lanes);
        }
    }
}

// Outputs of `channels` (1…8) planes for tile rows [tr_begin, tr_end) from m[ξ·xi_stride + t·ldm + c]:
// y[c·plane + oh·out_w + ow] = act(Aᵀ·M·A + bias[c]) with act from `ep` (NULL: none; its bias is not
// used; bias may be NULL). `scratch` (strata_winograd_scratch floats) holds the interleaved outputs.
static void tier_winograd_output(const float *m, size_t xi_stride, size_t ldm, int channels, const float *bias,
                                 const strata_window2d *g, int tr_begin, int tr_end, float *y, size_t plane,
                                 float *scratch, const strata_epilogue *ep) {
    const int tiles_w = (g->out_w + 3) / 4;
    const int oh_begin = 4 * tr_begin, oh_end = 4 * tr_end < g->out_h ? 4 * tr_end : g->out_h;
    float b8[8] = {0};
    for (int c = 0; c < channels; c++) b8[c] = bias ? bias[c] : 0.0f;
    const v8f vb = v8_load(b8);
    float *out = scratch;
    for (int tr = tr_begin; tr < tr_end; tr++) {
        const int rows = g->out_h - 4 * tr < 4 ? g->out_h - 4 * tr : 4;
        for (int tc = 0; tc < tiles_w; tc++) {
            const int cols = g->out_w - 4 * tc < 4 ? g->out_w - 4 * tc : 4;
            const float *src = m + ((size_t)(tr - tr_begin) * tiles_w + tc) * ldm;
            v8f mm[36], t[24], o[16];
            for (int xi = 0; xi < 36; xi++) mm[xi] = wino_load(src + (size_t)xi * xi_stride, channels);
            for (int j = 0; j < 6; j++) wino_output_1d(&mm[j], 6, &t[j], 6);
            for (int i = 0; i < 4; i++) wino_output_1d(&t[i * 6], 1, &o[i * 4], 1);
            for (int r = 0; r < rows; r++) {
                float *dst = out + ((size_t)(4 * tr + r - oh_begin) * g->out_w + 4 * tc) * 8;
                for (int s = 0; s < cols; s++) v8_store(dst + (size_t)s * 8, v8_add(o[r * 4 + s], vb));
            }
        }
    }
    deinterleave8(out, (oh_end - oh_begin) * g->out_w, channels, y + (size_t)oh_begin * g->out_w, plane, ep);
}

#endif

#ifndef STRATA_CONV_DIRECT_KERNELS_H
#define STRATA_CONV_DIRECT_KERNELS_H

// Tier template (see tier_kernels.h): convolutions over few input channels (a network's first
// layer on an RGB or grey image), computed straight from the input.
//
// im2col + GEMM spends most of such a layer unfolding: a 3 → 32 channel 3×3 stride-2 window over
// 224 × 224 unfolds 27 rows of 12,544 values, copied every other value, and packs them again into
// the GEMM's panels, for a product of only 27 multiply-adds per output. Here each output row is
// computed from the C·kernel_h input rows under it, kept in a ring of zero-bordered rows cut into
// their stride phases (phase q holds padded columns q, q + s, q + 2s, …): a row that several output
// rows read is copied once, and every tap of eight consecutive outputs is one unit-stride load that
// needs no bounds check.

#include "CStrataKernels.h"
#include "conv2d_kernels.h"
#include "conv_direct_layout.h"
#include "math8.h"
#include "vec8.h"

// Output channels and vectors of eight output pixels computed together: 4 × 2 accumulators, the
// two loaded vectors and a broadcast weight stay in registers with room to spare (4 × 3 spilled an
// accumulator in the AVX2 tier's sixteen registers).
#define DIRECT_MB 4
#define DIRECT_PB 2
_Static_assert(8 * DIRECT_PB == STRATA_DIRECT_PIXELS, "the scratch rows cover whole blocks");

// MB channels from `m0` (channels past `maps` repeat m0 and are not stored) × PB vectors of
// outputs from column `ow`, tap p reading the ring at rows + tap_offset[p]. Each output is one chain
// of multiply-adds from zero over the taps in (channel, kernel row, kernel column) order: the order
// and rounding of the AVX-512 GEMM over the unfolded input (one K block), so both paths give the
// same bits there. The sums are stored without bias; the caller applies the epilogue.
V8 void direct_block(const float *rows, const int *tap_offset, int depth, const float *w, int m0, int maps,
                     float *y, size_t plane, int ow, int out_w, const int MB, const int PB) {
    v8f acc[DIRECT_MB][DIRECT_PB];
    for (int i = 0; i < MB; i++) {
        for (int v = 0; v < PB; v++) acc[i][v] = v8_zero();
    }
    const float *wr[DIRECT_MB];
    for (int i = 0; i < MB; i++) wr[i] = w + (size_t)(m0 + i < maps ? m0 + i : m0) * depth;
    for (int p = 0; p < depth; p++) {
        const float *src = rows + tap_offset[p] + ow;
        v8f in[DIRECT_PB];
        for (int v = 0; v < PB; v++) in[v] = v8_load(src + 8 * v);
        for (int i = 0; i < MB; i++) {
            const v8f wv = v8_set1(wr[i][p]);
            for (int v = 0; v < PB; v++) acc[i][v] = v8_fma(in[v], wv, acc[i][v]);
        }
    }
    for (int i = 0; i < MB; i++) {
        if (m0 + i >= maps) break;
        float *dst = y + (size_t)(m0 + i) * plane + ow;
        for (int v = 0; v < PB; v++) {
            const int at = ow + 8 * v;
            if (at + 8 <= out_w) {
                v8_store(dst + 8 * v, acc[i][v]);
            } else if (at < out_w) {
                float tail[8];
                v8_store(tail, acc[i][v]);
                for (int k = 0; k < out_w - at; k++) dst[8 * v + k] = tail[k];
            }
        }
    }
}

// Padded input row `padded_row` of channel plane `xc` into its ring slot: phase q gets input columns
// j·s + q − pad_left for j < phase_cols, zero outside the row (and the whole slot outside the plane).
V8 void direct_fill(const float *xc, const strata_window2d *g, int padded_row, int phase_cols, float *slot) {
    const int s = g->stride_w, ih = padded_row - g->pad_top;
    if (ih < 0 || ih >= g->in_h) {
        memset(slot, 0, sizeof(float) * (size_t)s * phase_cols);
        return;
    }
    const float *src = xc + (size_t)ih * g->in_w;
    for (int q = 0; q < s; q++) {
        float *phase = slot + (size_t)q * phase_cols;
        // Columns j whose input column j·s + q − pad_left lies in [0, in_w), as im2col finds them.
        const int shift = q - g->pad_left;
        int lo, hi;
        valid_columns(shift, s, g->in_w, phase_cols, &lo, &hi);
        for (int j = 0; j < lo; j++) phase[j] = 0.0f;
        int j = lo;
        if (s == 1) {
            memcpy(phase + lo, src + lo + shift, sizeof(float) * (size_t)(hi - lo));
            j = hi;
        } else if (s == 2) {
            // Sixteen values for eight, while they stay inside this input row.
            for (; j + 8 <= hi && 2 * j + shift + 16 <= g->in_w; j += 8) v8_store(phase + j, v8_load_every(src + 2 * j + shift, 2));
        }
        for (; j < hi; j++) phase[j] = src[j * s + shift];
        for (j = hi; j < phase_cols; j++) phase[j] = 0.0f;
    }
}

static void tier_conv_direct(const float *x, int channels, const float *w, int maps, const float *bias,
                             const strata_window2d *g, int oh_begin, int oh_end, float *y, float *scratch,
                             const strata_epilogue *ep) {
    strata_direct_layout layout;
    strata_direct_layout_of(g, channels, &layout);
    const int kh_n = g->kernel_h, kw_n = g->kernel_w, s = g->stride_w, dw = g->dilation_w, slots = layout.slots;
    const int depth = channels * kh_n * kw_n;
    const size_t in_plane = (size_t)g->in_h * g->in_w, plane = (size_t)g->out_h * g->out_w;
    const size_t slot_floats = (size_t)s * layout.phase_cols;
    float *ring = scratch;
    int *tap_offset = (int *)(scratch + layout.row_floats);
    int *held = tap_offset + depth;
    for (int k = 0; k < slots; k++) held[k] = -1;
    strata_epilogue bias_only = {0};
    bias_only.activation = STRATA_ACT_NONE;
    const strata_epilogue *finish = ep && ep->activation != STRATA_ACT_NONE ? ep : bias ? &bias_only : NULL;
    for (int oh = oh_begin; oh < oh_end; oh++) {
        for (int kh = 0; kh < kh_n; kh++) {
            // Padded rows are never negative: oh·stride_h + kh·dilation_h.
            const int padded_row = oh * g->stride_h + kh * g->dilation_h, slot = padded_row % slots;
            if (held[slot] != padded_row) {
                for (int c = 0; c < channels; c++) {
                    direct_fill(x + (size_t)c * in_plane, g, padded_row, layout.phase_cols,
                                ring + (size_t)(c * slots + slot) * slot_floats);
                }
                held[slot] = padded_row;
            }
            // Output column j of tap (c, kh, kw) reads padded column j·s + kw·dw: phase (kw·dw) mod s
            // at position j + ⌊kw·dw / s⌋.
            for (int c = 0; c < channels; c++) {
                for (int kw = 0; kw < kw_n; kw++) {
                    tap_offset[(c * kh_n + kh) * kw_n + kw] =
                        (int)((size_t)(c * slots + slot) * slot_floats) + (kw * dw % s) * layout.phase_cols + kw * dw / s;
                }
            }
        }
        float *yrow = y + (size_t)oh * g->out_w;
        for (int m0 = 0; m0 < maps; m0 += DIRECT_MB) {
            for (int ow = 0; ow < g->out_w; ow += STRATA_DIRECT_PIXELS) {
                direct_block(ring, tap_offset, depth, w, m0, maps, yrow, plane, ow, g->out_w, DIRECT_MB, DIRECT_PB);
            }
            if (finish) {
                // Through the active tier's table, not this template's eight-lane loop: the AVX-512
                // tier's epilogue is sixteen lanes wide (the same bits either way; EfficientNet's SiLU).
                for (int m = m0; m < m0 + DIRECT_MB && m < maps; m++) {
                    float *out = yrow + (size_t)m * plane;
                    strata_epilogue_apply(out, out, (size_t)g->out_w, bias ? bias + m : NULL, finish);
                }
            }
        }
    }
}

#endif

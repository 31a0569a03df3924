#ifndef STRATA_CONV_DIRECT_LAYOUT_H
#define STRATA_CONV_DIRECT_LAYOUT_H

// The scratch layout of strata_conv_direct (conv_direct_kernels.h), shared with its size
// (scratch.c). Input rows are kept in a ring of `slots` rows per channel, enough for every row one
// output row reads, so that a row read by several output rows is copied once: padded row r (input
// row r − pad_top) lives in slot r mod slots. Each slot holds stride_w phase rows of `phase_cols`
// values (phase q of channel c's slot k at ((c·slots + k)·stride_w + q)·phase_cols). Then one int
// per tap (where its reads for output column 0 start) and one per slot (the padded row it holds).

#include <stddef.h>
#include "CStrataKernels.h"

/// Output pixels one block of the kernel computes along a row (its vectors of eight).
#define STRATA_DIRECT_PIXELS 16

typedef struct {
    int slots;          ///< ring rows per channel: (kernel_h − 1)·dilation_h + 1
    int phase_cols;     ///< values per phase row: every tap of every block, past out_w to a whole block
    size_t row_floats;  ///< floats of the ring
    size_t floats;      ///< the whole scratch, tap and slot tables included
} strata_direct_layout;

static inline void strata_direct_layout_of(const strata_window2d *g, int channels, strata_direct_layout *layout) {
    const int blocks = (g->out_w + STRATA_DIRECT_PIXELS - 1) / STRATA_DIRECT_PIXELS;
    layout->slots = (g->kernel_h - 1) * g->dilation_h + 1;
    layout->phase_cols = blocks * STRATA_DIRECT_PIXELS + (g->kernel_w - 1) * g->dilation_w / g->stride_w + 1;
    layout->row_floats = (size_t)channels * layout->slots * g->stride_w * layout->phase_cols;
    layout->floats = layout->row_floats + (size_t)channels * g->kernel_h * g->kernel_w + layout->slots;
}

#endif

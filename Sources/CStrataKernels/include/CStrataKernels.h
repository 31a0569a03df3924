#ifndef STRATA_CSTRATAKERNELS_H
#define STRATA_CSTRATAKERNELS_H

// Hot loops of Strata's convolution kernels, compiled for AVX2/FMA. All tensors are dense, C-ordered
// float32; sizes are element counts. Callers validate shapes; these functions trust their arguments.

#include <stddef.h>

/// The geometry of a 2-D sliding window over one input plane.
typedef struct {
    int in_h, in_w;        ///< input plane size
    int out_h, out_w;      ///< output plane size
    int kernel_h, kernel_w;
    int stride_h, stride_w;
    int dilation_h, dilation_w;
    int pad_top, pad_left; ///< padding before the first row / column
} strata_window2d;

/// The elementwise functions a convolution can apply to its output as it writes it, so that a
/// following activation node costs no extra pass over memory. Each matches the engine's own
/// kernel for that op bit for bit (same formulas, same exp polynomial as `VectorMath`).
typedef enum {
    STRATA_ACT_NONE = 0,
    STRATA_ACT_RELU,          ///< max(x, 0)
    STRATA_ACT_CLIP,          ///< min(max(x, alpha), beta)
    STRATA_ACT_LEAKY_RELU,    ///< x < 0 ? alpha·x : x
    STRATA_ACT_SIGMOID,       ///< 1 / (1 + exp(−x))
    STRATA_ACT_SILU,          ///< x · sigmoid(x)
    STRATA_ACT_HARD_SIGMOID,  ///< max(0, min(1, alpha·x + beta))
    STRATA_ACT_HARD_SWISH,    ///< x · max(0, min(1, x / 6 + 0.5))
} strata_activation;

/// What is done to each output value v of row r as it is stored: act(v + bias[r]).
typedef struct {
    const float *bias;   ///< one value per output row (channel), or NULL
    int activation;      ///< a strata_activation
    float alpha, beta;   ///< the activation's parameters (see strata_activation)
} strata_epilogue;

/// y[i] = act(x[i] + *bias) for n values (no addition when `bias` is NULL; `x` may be `y`).
/// `ep->bias` is not used.
void strata_epilogue_apply(const float *x, float *y, size_t n, const float *bias, const strata_epilogue *ep);

/// Unfolds `x` (channels × in_h × in_w) into rows [r_begin, r_end) of `col`: row
/// (c·kernel_h + kh)·kernel_w + kw holds, for every output position, the input value under that
/// kernel tap (0 in the padding). `col` has channels·kernel_h·kernel_w rows of out_h·out_w values.
void strata_im2col_2d(const float *x, const strata_window2d *g, int r_begin, int r_end, float *col);

/// The adjoint of im2col: adds every `col` value to the input position it was taken from, for
/// channels [c_begin, c_end). `x` must hold the running sum (e.g. zeros or a bias).
void strata_col2im_2d(const float *col, const strata_window2d *g, int c_begin, int c_end, float *x);

/// Floats of scratch memory `strata_depthwise_plane` needs for windows of this geometry.
size_t strata_depthwise_scratch(const strata_window2d *g);

/// Clears `scratch` (`strata_depthwise_scratch(g)` floats) for the planes of one geometry.
void strata_depthwise_prepare(const strata_window2d *g, float *scratch);

/// One plane of a depthwise convolution: y = act(bias + Σ w[kh,kw] · x[oh·s − pad + kh·d, …]), with
/// `w` the kernel_h × kernel_w taps of this channel and act the activation of `ep` (NULL: none;
/// its bias is not used). `scratch` is private to the caller's thread
/// and was cleared by `strata_depthwise_prepare` for this geometry; planes only ever write the part
/// of it the input covers, so one clearing serves any number of planes.
void strata_depthwise_plane(const float *x, const float *w, float bias, const strata_window2d *g, float *y,
                            float *scratch, const strata_epilogue *ep);

/// Floats of scratch memory `strata_depthwise8` needs for windows of this geometry.
size_t strata_depthwise8_scratch(const strata_window2d *g);

/// A depthwise convolution of `channels` (1…8) planes at once, each with its own taps: plane c of
/// `x` starts at x + c·in_stride, its kernel_h × kernel_w taps at w + c·kernel_h·kernel_w, its bias
/// at bias[c] (bias may be NULL), its output at y + c·out_stride; then the activation of `ep` (NULL:
/// none; its bias is not used). The planes are interleaved in `scratch`
/// (`strata_depthwise8_scratch(g)` floats, private to the caller's thread), which suits small planes.
void strata_depthwise8(const float *x, size_t in_stride, int channels, const float *w, const float *bias,
                       const strata_window2d *g, float *y, size_t out_stride, float *scratch, const strata_epilogue *ep);

/// Whether this CPU runs `strata_sgemm` (it needs AVX-512).
int strata_sgemm_supported(void);

/// Floats of scratch memory one `strata_sgemm` call needs.
size_t strata_sgemm_scratch(void);

/// Columns [n_begin, n_end) of the row-major product C = act(A·B (+ C when `accumulate`) + bias), with
/// A m × k (row stride lda), B k × n (ldb), C m × n (ldc), bias and act from `ep` (NULL: none; its
/// bias has one value per row of this call's C). Calls on disjoint column ranges may run at once,
/// each with its own `scratch` of `strata_sgemm_scratch()` floats. Only where
/// `strata_sgemm_supported()` is true.
void strata_sgemm(int m, int k, const float *a, int lda, const float *b, int ldb, int n_begin, int n_end,
                  float *c, int ldc, int accumulate, float *scratch, const strata_epilogue *ep);

/// Rows [i_begin, i_end) of the product of A (m × k, row stride lda) with one contiguous column b
/// (k values): c[i·ldc] = act(A[i]·b + bias[i]) with bias and act from `ep` (NULL: none). Built for
/// AVX2; rows may be split between threads.
void strata_sgemv_rows(int k, const float *a, int lda, const float *b, int i_begin, int i_end, float *c, int ldc,
                       const strata_epilogue *ep);

/// Floats of scratch memory the 2-D pooling planes need for windows of this geometry.
size_t strata_pool2d_scratch(const strata_window2d *g);

/// Fills `scratch` with the value padding stands for: -infinity for max pooling, 0 for averages.
void strata_pool2d_prepare(const strata_window2d *g, float fill, float *scratch);

/// One plane of max pooling (padding never wins). `scratch` is private to the caller's thread and
/// was prepared with -infinity for this geometry.
void strata_maxpool2d_plane(const float *x, const strata_window2d *g, float *y, float *scratch);

/// One plane of average pooling: each window's sum times row_scale[oh] · col_scale[ow] (the
/// reciprocal tap counts per axis). `scratch` was prepared with 0 for this geometry.
void strata_avgpool2d_plane(const float *x, const strata_window2d *g, const float *row_scale, const float *col_scale,
                            float *y, float *scratch);

/// A hint to the CPU that the caller is spinning on a memory location (x86 `pause`), which
/// frees execution resources for the sibling hyperthread and saves power while a worker waits.
static inline void strata_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif

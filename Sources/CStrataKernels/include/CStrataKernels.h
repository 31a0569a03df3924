#ifndef STRATA_CSTRATAKERNELS_H
#define STRATA_CSTRATAKERNELS_H

// Hot loops of Strata's kernels, built for several instruction-set tiers in one binary: every
// kernel below calls the tier chosen at run time (strata_isa_active). All tensors are dense,
// C-ordered float32; sizes are element counts. Callers validate shapes; these functions trust
// their arguments.

#include <stddef.h>
#include <stdint.h>

/// The instruction-set tiers of the kernels. Each architecture's tiers form a chain; a CPU runs
/// every tier of its architecture up to its best one. All tiers compute the same bits, except
/// that only AVX-512 has its own GEMM (strata_sgemm; elsewhere the caller uses OpenBLAS) and that
/// the generic tier rounds multiply-adds twice on x86 (strata_isa_fused_multiply_add).
typedef enum {
    STRATA_ISA_GENERIC = 0,  ///< portable C, any CPU
    STRATA_ISA_NEON,         ///< arm64 Advanced SIMD
    STRATA_ISA_AVX2,         ///< x86-64 with AVX2 and FMA
    STRATA_ISA_AVX512,       ///< x86-64 with AVX-512 F, VL, DQ and BW: the AVX2 kernels plus an AVX-512 GEMM
    STRATA_ISA_COUNT
} strata_isa;

/// The best tier this CPU (and its OS) runs, from CPUID on x86-64.
int strata_isa_best(void);

/// Whether this build and this CPU run `isa`.
int strata_isa_supported(int isa);

/// The tier the kernels use. Chosen on first use: the one the environment variable STRATA_ISA
/// names, when this CPU runs it; otherwise the best.
int strata_isa_active(void);

/// Makes the kernels use `isa` from now on: 0, or -1 (nothing changes) when this CPU does not run
/// it. Not while kernels run on other threads.
int strata_isa_select(int isa);

/// What STRATA_ISA asks for: 0 when unset or empty; 1 when it names a tier this CPU runs, -2 when it
/// names one it does not (both with the tier in `*isa`); -1 when it names no tier.
int strata_isa_requested(int *isa);

/// A tier's name as STRATA_ISA spells it ("generic", "neon", "avx2", "avx512").
const char *strata_isa_name(int isa);

/// Whether the multiply-adds of tier `isa` round once (fused), as in every tier of this build but
/// the generic one on x86, which has no FMA instruction: 1 or 0 (0 also for a tier not built).
int strata_isa_fused_multiply_add(int isa);

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
/// kernel for that op bit for bit (same formulas, same exp polynomial as `strata_unary`).
typedef enum {
    STRATA_ACT_NONE = 0,
    STRATA_ACT_RELU,          ///< max(x, 0)
    STRATA_ACT_CLIP,          ///< min(max(x, alpha), beta)
    STRATA_ACT_LEAKY_RELU,    ///< x < 0 ? alpha·x : x
    STRATA_ACT_SIGMOID,       ///< 1 / (1 + exp(−x))
    STRATA_ACT_SILU,          ///< x · sigmoid(x)
    STRATA_ACT_HARD_SIGMOID,  ///< max(0, min(1, alpha·x + beta))
    STRATA_ACT_HARD_SWISH,    ///< x · max(0, min(1, x / 6 + 0.5))
    /// beta · (x · (erf(x / alpha) + 1)): the `Div → Erf → Add → Mul → Mul` GELU of PyTorch's ONNX
    /// exports, operation for operation, with the Erf op's erf (strata_unary). Applied on its own
    /// (strata_epilogue_apply), never by the GEMM or convolution kernels.
    STRATA_ACT_GELU_ERF,
} strata_activation;

/// What is done to each output value v of row r and column c as it is stored: act(v + bias[r]), or
/// act(v + column_bias[c]) where only `column_bias` is set.
typedef struct {
    const float *bias;   ///< one value per output row (channel), or NULL
    int activation;      ///< a strata_activation
    float alpha, beta;   ///< the activation's parameters (see strata_activation)
    /// One value per output column (a MatMul's bias), or NULL; read only by `strata_sgemm_packed`
    /// (indexed by the column itself, whatever panels a call computes), never with `bias`.
    const float *column_bias;
} strata_epilogue;

/// y[i] = act(x[i] + *bias) for n values (no addition when `bias` is NULL; `x` may be `y`).
/// `ep->bias` is not used.
void strata_epilogue_apply(const float *x, float *y, size_t n, const float *bias, const strata_epilogue *ep);

/// y[i] = act(x[i] · scale + shift) for n values, the product and the sum each rounded to float32
/// (a Mul by a constant, then an Add of one, as their own kernels compute them), then `ep`'s
/// activation (its bias is not used); `x` may be `y`. A per-channel affine after a convolution
/// (a Keras BatchNormalization) in one pass.
void strata_affine_apply(const float *x, float *y, size_t n, float scale, float shift, const strata_epilogue *ep);

/// The elementwise functions of strata_unary: float32 approximations within a few ulp (exp within
/// 2 ulp; inputs below -87 give 0 and above 88.72 +inf), NaN stays NaN. Sigmoid is the one
/// strata_epilogue applies, bit for bit.
typedef enum {
    STRATA_UNARY_EXP = 0,
    STRATA_UNARY_SIGMOID,    ///< 1 / (1 + exp(−x))
    STRATA_UNARY_TANH,       ///< 1 − 2 / (exp(2x) + 1), an odd series for |x| < 0.05
    STRATA_UNARY_SOFTPLUS,   ///< max(x, 0) + log1p(exp(−|x|))
    STRATA_UNARY_MISH,       ///< x · tanh(softplus(x))
    STRATA_UNARY_GELU,       ///< x · Φ(x), erf by Abramowitz & Stegun 7.1.26
    STRATA_UNARY_GELU_TANH,  ///< x · Φ(x) with the tanh approximation of Φ
    STRATA_UNARY_ERF,        ///< erf(x) within 2 ulp (x + x·P(x²) below 1, 1 − exp(−x²)·R above)
} strata_unary_op;

/// y[i] = op(x[i]) for n values, op a strata_unary_op (`x` may be `y`).
void strata_unary(int op, const float *x, float *y, size_t n);

/// The float32 operations of strata_binary_f32.
typedef enum {
    STRATA_BINARY_ADD = 0,
    STRATA_BINARY_SUBTRACT,
    STRATA_BINARY_MULTIPLY,
    STRATA_BINARY_DIVIDE,
} strata_binary_op;

/// z[i] = x[i·x_step] op y[i·y_step] for n values, op a strata_binary_op and each step 0 (one value
/// repeated) or 1: the elementwise kernels' runs, in vectors of the tier's width. Each result is the
/// single IEEE float32 operation, so every tier gives the same bits (`z` may be `x` or `y`).
void strata_binary_f32(int op, const float *x, int x_step, const float *y, int y_step, float *z, size_t n);

/// Softmax of each of `rows` rows of n contiguous values of x into y (x may be y): e^(x − max)
/// divided by the row's sum, through strata_unary's exp (as the engine's Softmax computes it).
void strata_softmax_rows(const float *x, float *y, size_t rows, size_t n);

/// Unfolds `x` (channels × in_h × in_w) into rows [r_begin, r_end) of `col`: row
/// (c·kernel_h + kh)·kernel_w + kw holds, for every output position in output rows
/// [oh_begin, oh_end), the input value under that kernel tap (0 in the padding). `col` has
/// channels·kernel_h·kernel_w rows of (oh_end − oh_begin)·out_w values.
void strata_im2col_2d(const float *x, const strata_window2d *g, int r_begin, int r_end, int oh_begin, int oh_end,
                      float *col);

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

/// A depthwise convolution of `channels` (≥ 1) planes, eight at a time (sixteen in the AVX-512 tier),
/// each with its own taps: plane c of `x` starts at x + c·in_stride, its kernel_h × kernel_w taps at
/// w + c·kernel_h·kernel_w, its bias at bias[c] (bias may be NULL), its output at y + c·out_stride;
/// then the activation of `ep` (NULL: none; its bias is not used). The planes are interleaved in
/// `scratch` (`strata_depthwise8_scratch(g)` floats, private to the caller's thread), which suits
/// small planes.
void strata_depthwise8(const float *x, size_t in_stride, int channels, const float *w, const float *bias,
                       const strata_window2d *g, float *y, size_t out_stride, float *scratch, const strata_epilogue *ep);

/// Floats of scratch memory `strata_conv_direct` needs for windows of this geometry over
/// `channels` input channels.
size_t strata_conv_direct_scratch(const strata_window2d *g, int channels);

/// Output rows [oh_begin, oh_end) of every output plane of an ungrouped convolution computed straight
/// from its input, for inputs of few channels (a first layer on an image): y[m][oh][ow] =
/// act(bias[m] + Σ w[m][c][kh][kw] · x[c][oh·s_h − pad_top + kh·d_h][ow·s_w − pad_left + kw·d_w]),
/// x `channels` planes of in_h × in_w, w [maps][channels][kernel_h][kernel_w], y `maps` planes of
/// out_h × out_w, bias (may be NULL) and act from `ep` (NULL: none; its bias is not used). Each output
/// is one chain of multiply-adds from zero over the taps in weight order, then the bias and the
/// activation: the sum the AVX-512 GEMM forms over the unfolded input when the taps number at most
/// 256. `scratch` (`strata_conv_direct_scratch` floats) is private to the caller's thread.
void strata_conv_direct(const float *x, int channels, const float *w, int maps, const float *bias,
                        const strata_window2d *g, int oh_begin, int oh_end, float *y, float *scratch,
                        const strata_epilogue *ep);

/// Winograd F(4×4, 3×3) transforms for 3×3 convolutions with stride 1 and dilation 1 (`g`'s kernel,
/// stride and dilation are not read): each 4×4 block of output pixels (a tile; tiles_w =
/// ceil(out_w / 4) per tile row, tiles_h = ceil(out_h / 4) rows) comes from the 6×6 input patch
/// under it. V (inputs) and M (products) are [36][tiles][channels], U (weights) is
/// [36][input channels][output channels], each position ξ of the 6×6 transform `xi_stride` apart;
/// the engine computes M_ξ = V_ξ·U_ξ with a GEMM for each ξ. A call on tile rows [tr_begin, tr_end)
/// numbers its tiles from 0: (tile_row − tr_begin)·tiles_w + tile_column. Input and output calls
/// cover 1…8 channels.

/// Floats of scratch (private to the caller's thread) that strata_winograd_input and
/// strata_winograd_output need for `tile_rows` tile rows of this geometry.
size_t strata_winograd_scratch(const strata_window2d *g, int tile_rows);

/// V of tile rows [tr_begin, tr_end) for `channels` input planes (plane c at x + c·plane):
/// v[ξ·xi_stride + t·ldv + c], zero padding where the patch leaves the plane.
void strata_winograd_input(const float *x, size_t plane, int channels, const strata_window2d *g, int tr_begin,
                           int tr_end, float *v, size_t xi_stride, size_t ldv, float *scratch);

/// U of `count` output channels, whose 3×3 kernels are w[k][c][3][3] (k < count, c < channels):
/// u[ξ·xi_stride + c·ldu + k].
void strata_winograd_weights(const float *w, int channels, int count, float *u, size_t xi_stride, size_t ldu);

/// The output planes of tile rows [tr_begin, tr_end) for `channels` output channels from
/// m[ξ·xi_stride + t·ldm + c]: y[c·plane + oh·out_w + ow] = act(Aᵀ·M·A + bias[c]), act from `ep`
/// (NULL: none; its bias is not used); bias may be NULL.
void strata_winograd_output(const float *m, size_t xi_stride, size_t ldm, int channels, const float *bias,
                            const strata_window2d *g, int tr_begin, int tr_end, float *y, size_t plane, float *scratch,
                            const strata_epilogue *ep);

/// Whether the active tier has `strata_sgemm` (only AVX-512 has).
int strata_sgemm_supported(void);

/// Floats of scratch memory one `strata_sgemm` call needs.
size_t strata_sgemm_scratch(void);

/// Columns [n_begin, n_end) of the row-major product C = act(A·B (+ C when `accumulate`) + bias), with
/// A m × k (row stride lda), B k × n (ldb), C m × n (ldc), bias and act from `ep` (NULL: none; its
/// bias has one value per row of this call's C). Calls on disjoint column ranges may run at once,
/// each with its own `scratch` of `strata_sgemm_scratch()` floats. Only while
/// `strata_sgemm_supported()` is true.
void strata_sgemm(int m, int k, const float *a, int lda, const float *b, int ldb, int n_begin, int n_end,
                  float *c, int ldc, int accumulate, float *scratch, const strata_epilogue *ep);

/// Whether the active tier has `strata_sgemm_packed` (the tiers that have `strata_sgemm`).
int strata_sgemm_packed_supported(void);

/// Floats `strata_sgemm_pack_b` writes for a k × n matrix B: its columns in panels of 32, the
/// last one padded with zeros.
size_t strata_sgemm_packed_floats(int k, int n);

/// Packs B (k × n; element (p, j) at b[p·row_stride + j·column_stride] floats, so a B stored
/// transposed has row_stride 1) into the panels `strata_sgemm_packed` reads, once for all the calls
/// that multiply by it. `b` needs no alignment (a weight inside a mapped file); any tier.
void strata_sgemm_pack_b(int k, int n, const void *b, size_t row_stride, size_t column_stride, float *packed);

/// `strata_sgemm` with B already packed by `strata_sgemm_pack_b` (n its column count): the columns
/// of panels [panel_begin, panel_end), with the same bits as `strata_sgemm` gives for them. Calls on
/// disjoint panel ranges may run at once. Only while `strata_sgemm_packed_supported()` is true.
void strata_sgemm_packed(int m, int k, const float *a, int lda, const float *packed, int n, int panel_begin, int panel_end,
                         float *c, int ldc, int accumulate, const strata_epilogue *ep);

/// The product of A (m × k) stored by columns (A(i, p) at a[p·lda + i]) with B packed by
/// `strata_sgemm_pack_b` (k × n), stored transposed: for the columns j of panels
/// [panel_begin, panel_end), y[j·ldy + i] = act((A·B)[i][j] + bias[j]), bias and act from `ep` (NULL:
/// none; its bias has one value per column j). A convolution's output channels as the columns and
/// its pixels as the rows: the pixels fill the rows of 12, the channels the 32 lanes of the panels,
/// and y comes out channel by channel. Each value is the sum `strata_sgemm` forms for it (the same
/// blocks of K in the same order), so both give the same bits. `scratch` holds m × 32 floats and is
/// the caller's alone. Calls on disjoint panel ranges may run at once. Only while
/// `strata_sgemm_packed_supported()` is true.
void strata_sgemm_packed_at(int m, int k, const float *a, int lda, const float *packed, int n, int panel_begin,
                            int panel_end, float *y, int ldy, float *scratch, const strata_epilogue *ep);

/// Rows [i_begin, i_end) of the product of A (m × k, row stride lda) with one contiguous column b
/// (k values): c[i·ldc] = act(A[i]·b + bias[i]) with bias and act from `ep` (NULL: none). Rows may
/// be split between threads.
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

/// The CPU time the calling thread has used, in nanoseconds (`CLOCK_THREAD_CPUTIME_ID`), for
/// telling a thread that computed slowly from one that waited for a core; -1 where the system has
/// no such clock.
long long strata_thread_cpu_nanoseconds(void);

/// How long the calling thread has been runnable but waiting for a core, in nanoseconds (Linux's
/// `/proc/thread-self/schedstat`); -1 where the system does not say.
long long strata_thread_wait_nanoseconds(void);

/// A hint to the CPU that the caller is spinning on a memory location (x86 `pause`), which
/// frees execution resources for the sibling hyperthread and saves power while a worker waits.
static inline void strata_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// The arithmetic part of a block of activation statistics, over y[i] = clamp(x[i]) for n values, with
/// clamp(v) = (v < lo ? lo : v), then (v > hi ? hi : v) (the engine's Relu and Clip; −∞ and +∞ for no
/// clamp): with d = y[i] − y[0] in double, Σd and Σd²; the smallest and largest y (NaN never chosen;
/// among equal values the first); how many y are 0 (either sign) and how many below 0 (−∞ included,
/// NaN in neither). Every tier gives the same bits.
typedef struct {
    double deviation, squares;
    float low, high;
    int64_t zeros, negatives;
} strata_block_sums;

void strata_block_sums_f32(const float *x, size_t n, float lo, float hi, strata_block_sums *out);

/// The closed float intervals [a0, a1] and [b0, b1] around a saturating layer's bounds (an empty
/// one is [+∞, −∞]).
typedef struct {
    float a0, a1, b0, b1;
} strata_bands;

/// The largest of x[0 ..< n], NaN ignored (−∞ when there is none) and, when `bands` is set, how many
/// of clamp(x[i]) (as in strata_block_sums_f32) lie in one of its intervals, NaN in none, stored in
/// *in_bands. Every tier gives the same result.
float strata_run_max_f32(const float *x, size_t n, const strata_bands *bands, float lo, float hi, int64_t *in_bands);

#endif

/*
 * tt_kernels.h - TinyTrain portable C99 kernel library (public API).
 *
 * Conventions (see README.md in this folder for the full description):
 *  - Activations are HWC: element (y, x, c) of an H x W x C tensor is at (y*W + x)*C + c.
 *  - int8 activations are per-tensor affine: real = s * (q - z).
 *  - int8 weights are symmetric per output channel: real = s_w[o] * q (zero point 0).
 *  - int32 biases have scale s_x * s_w[o] and zero point 0.
 *  - conv / pointwise weights are OHWI: w[((o*kh + ky)*kw + kx)*cin + i].
 *    depthwise weights are CHW:        w[(c*kh + ky)*kw + kx].
 *  - Sparse update: a trained layer keeps an SRAM copy of only the first k input channels
 *    (conv: [cout][kh][kw][k]; pointwise/fc: [cout][k]; depthwise: the first k channels
 *    [k][kh][kw]). Every conv-like kernel takes the const flash tensor plus an optional SRAM
 *    slice pointer and k; values with i < k (depthwise: c < k) come from the slice.
 *    Pass NULL / 0 to read everything from flash. An optional SRAM bias copy (full length
 *    cout) replaces the flash bias when non-NULL.
 *  - Geometry: a conv-like kernel takes a tt_conv_geom (kernel kh x kw, a stride per axis,
 *    explicit padding top/left/bottom/right). Output size ho = (h + pt + pb - kh) / sh + 1
 *    (TT_CONV_OUT_H), wo likewise. Every kernel takes the INPUT spatial size (h, w).
 *  - Masks: 1 bit per output element, LSB-first over the HWC element index e:
 *    bit (e & 7) of byte e >> 3. Bit 1 = the value was not clamped (gradient passes).
 *  - Float gradients are float32, HWC, with respect to REAL (dequantized) values.
 *  - Kernels that produce a gradient OVERWRITE their output buffer (no accumulation),
 *    except tt_accumulate_f32.
 *  - No heap, no OS, only <stdint.h>, <stddef.h>, <string.h>, <math.h>.
 */
#ifndef TT_KERNELS_H
#define TT_KERNELS_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TT_KERNELS_API_VERSION 2

/* Output spatial size for centred "same" padding and stride s: ceil(n / s). */
#define TT_OUT_SIZE(n, s) (((n) + (s) - 1) / (s))

/* Geometry of a conv-like layer (API 2): kernel kh x kw (any size >= 1), stride per axis,
 * and explicit zero padding. Input pixel (iy, ix) of output (oy, ox) and tap (ky, kx) is
 * iy = oy*sh - pt + ky, ix = ox*sw - pl + kx; taps outside the input contribute nothing.
 * pb / pr only set the output size. May live in flash as const. */
typedef struct tt_conv_geom {
    int kh, kw;   /* kernel height (time for 1-D), width */
    int sh, sw;   /* stride per axis */
    int pt, pl;   /* padding before: top, left */
    int pb, pr;   /* padding after: bottom, right (may be negative: trailing rows unused) */
} tt_conv_geom;

/* Output size of a conv with geometry g on an h x w input. */
#define TT_CONV_OUT_H(g, h) (((h) + (g)->pt + (g)->pb - (g)->kh) / (g)->sh + 1)
#define TT_CONV_OUT_W(g, w) (((w) + (g)->pl + (g)->pr - (g)->kw) / (g)->sw + 1)
/* Bytes needed for a clamp mask of n elements. */
#define TT_MASK_BYTES(n) (((n) + 7) / 8)

/* Activation kinds for tt_quant.act */
#define TT_ACT_NONE  0 /* clamp to [-128, 127] */
#define TT_ACT_RELU6 1 /* clamp to [max(-128, z_y), min(127, z_y + round(6 / s_y))] */
#define TT_ACT_RELU  2 /* clamp to [max(-128, z_y), 127] */

/* Quantization parameters of one int8 conv-like layer (may live in flash as const). */
typedef struct tt_quant {
    float s_x;          /* input activation scale */
    int32_t z_x;        /* input activation zero point */
    float s_y;          /* output activation scale */
    int32_t z_y;        /* output activation zero point */
    const float *s_w;   /* [cout] per-output-channel weight scales (depthwise: [c]) */
    int32_t act;        /* TT_ACT_NONE, TT_ACT_RELU6 or TT_ACT_RELU */
} tt_quant;

/* ------------------------------------------------------------------ */
/* int8 forward                                                        */
/* ------------------------------------------------------------------ */

/* Standard conv (any cin, incl. 3), any kh x kw, geometry geo. x: [h][w][cin],
 * y: [ho][wo][cout]. mask (nullable): TT_MASK_BYTES(ho*wo*cout) bytes. */
void tt_conv2d_s8(const int8_t *x, int h, int w, int cin,
                  const int8_t *wt, const int8_t *wt_sram, int k,
                  const int32_t *bias, const int32_t *bias_sram,
                  int cout, const tt_conv_geom *geo,
                  const tt_quant *q, int8_t *y, uint8_t *mask);

/* Pointwise (1x1, stride 1) conv. x: [h*w][cin], y: [h*w][cout]. wt: [cout][cin],
 * wt_sram: [cout][k]. */
void tt_pwconv_s8(const int8_t *x, int h, int w, int cin,
                  const int8_t *wt, const int8_t *wt_sram, int k,
                  const int32_t *bias, const int32_t *bias_sram,
                  int cout, const tt_quant *q, int8_t *y, uint8_t *mask);

/* Depthwise conv. x: [h][w][c], y: [ho][wo][c]. wt: [c][kh][kw], wt_sram: [k][kh][kw]. */
void tt_dwconv_s8(const int8_t *x, int h, int w, int c,
                  const int8_t *wt, const int8_t *wt_sram, int k,
                  const int32_t *bias, const int32_t *bias_sram,
                  const tt_conv_geom *geo,
                  const tt_quant *q, int8_t *y, uint8_t *mask);

/* Depthwise conv in place: buf holds the input [h][w][c] and receives the output
 * [ho][wo][c] (packed at the start of buf; needs ho*wo <= h*w). tmp: workspace of h*w bytes. */
void tt_dwconv_s8_inplace(int8_t *buf, int h, int w, int c,
                          const int8_t *wt, const int8_t *wt_sram, int k,
                          const int32_t *bias, const int32_t *bias_sram,
                          const tt_conv_geom *geo,
                          const tt_quant *q, int8_t *tmp, uint8_t *mask);

/* Residual add: y = clamp(round_half_even((s_a(a-z_a) + s_b(b-z_b)) / s_y) + z_y, -128, 127).
 * n elements; y may alias a or b. mask (nullable) as for convs. */
void tt_add_s8(const int8_t *a, float s_a, int32_t z_a,
               const int8_t *b, float s_b, int32_t z_b,
               int n, float s_y, int32_t z_y, int8_t *y, uint8_t *mask);

/* Clamp n int8 values in place to [lo, hi] (an activation fused into an add). mask (nullable):
 * bits of clamped elements are cleared, the others kept. */
void tt_clamp_s8(int8_t *y, int n, int32_t lo, int32_t hi, uint8_t *mask);

/* Quantize n floats: y[i] = clamp(round_half_away(x[i] / s) + z, -128, 127) (e.g. the logits
 * into the int8 output a model file gives its classifier). */
void tt_quantize_s8(const float *x, int n, float s, int32_t z, int8_t *y);

/* int8 softmax over n values: p = softmax(beta * s_x * (x - z_x)), y = clamp(round(p / s_y) + z_y)
 * (the TFLite head: s_y = 1/256, z_y = -128). */
void tt_softmax_s8(const int8_t *x, int n, float s_x, int32_t z_x, float beta, float s_y, int32_t z_y, int8_t *y);

/* Global average pool: x [h][w][c] -> y [c] (int8, own scale/zero point). */
void tt_avgpool_s8(const int8_t *x, int h, int w, int c,
                   float s_x, int32_t z_x, float s_y, int32_t z_y, int8_t *y);
/* The same for imported models: the float mean of the dequantized values, rounded half away from
 * zero (half_even 0: TFLite) or half to even (half_even 1: ONNX). */
void tt_avgpool_s8_mean(const int8_t *x, int h, int w, int c,
                        float s_x, int32_t z_x, float s_y, int32_t z_y, int half_even, int8_t *y);

/* Fully connected classifier: logits[o] = s_x*s_w[o]*(b[o] + sum_i W[o][i]*(x[i]-z_x)).
 * wt: [cout][cin], wt_sram: [cout][k], bias int32 (scale s_x*s_w[o]), bias_sram nullable. */
void tt_fc_s8(const int8_t *x, int cin, float s_x, int32_t z_x,
              const int8_t *wt, const int8_t *wt_sram, int k, const float *s_w,
              const int32_t *bias, const int32_t *bias_sram,
              int cout, float *logits);

/* ------------------------------------------------------------------ */
/* float backward (int8 weights / int8 saved activations)              */
/* ------------------------------------------------------------------ */

/* dz[i] = bit(mask, i) ? dy[i] : 0 for i < n. dz may alias dy. */
void tt_mask_apply_f32(const float *dy, const uint8_t *mask, int n, float *dz);

/* Input gradient of tt_conv2d_s8 (transposed conv with s_w[o]*q). dz: [ho][wo][cout],
 * dx: [h][w][cin] (overwritten). h, w are the INPUT sizes. */
void tt_conv2d_s8_bwd_input(const float *dz, int h, int w, int cin,
                            const int8_t *wt, const int8_t *wt_sram, int k,
                            const float *s_w, int cout, const tt_conv_geom *geo,
                            float *dx);

/* Weight gradient (w.r.t. the REAL weight) for the first k input channels.
 * x: saved int8 input, element (y, x, i) at (y*w + x)*x_cstride + i (x_cstride = k for a
 * compact [h][w][k] slice, cin for the full tensor). dz: [ho][wo][cout].
 * dw: [cout][kh][kw][k] (overwritten). */
void tt_conv2d_s8_bwd_weight(const int8_t *x, int x_cstride, int h, int w,
                             float s_x, int32_t z_x, const float *dz,
                             int cout, const tt_conv_geom *geo, int k, float *dw);

/* Pointwise: dz [h*w][cout] -> dx [h*w][cin]. */
void tt_pwconv_s8_bwd_input(const float *dz, int h, int w, int cin,
                            const int8_t *wt, const int8_t *wt_sram, int k,
                            const float *s_w, int cout, float *dx);

/* Pointwise weight gradient, first k input channels: dw [cout][k]. */
void tt_pwconv_s8_bwd_weight(const int8_t *x, int x_cstride, int h, int w,
                             float s_x, int32_t z_x, const float *dz,
                             int cout, int k, float *dw);

/* Depthwise: dz [ho][wo][c] -> dx [h][w][c]. */
void tt_dwconv_s8_bwd_input(const float *dz, int h, int w, int c,
                            const int8_t *wt, const int8_t *wt_sram, int k,
                            const float *s_w, const tt_conv_geom *geo, float *dx);

/* Depthwise weight gradient for the first k channels: dw [k][kh][kw]. x: element (y,x,ch) at
 * (y*w+x)*x_cstride + ch. dz: [ho][wo][c] (channel stride c). */
void tt_dwconv_s8_bwd_weight(const int8_t *x, int x_cstride, int h, int w,
                             float s_x, int32_t z_x, const float *dz, int c,
                             const tt_conv_geom *geo, int k, float *dw);

/* Bias gradient (w.r.t. the REAL bias): db[o] = sum over pixels of dz[p][o].
 * dz: [npix][c], db: [c]. Works for conv, pointwise and depthwise. */
void tt_bias_grad_f32(const float *dz, int npix, int c, float *db);

/* Residual add backward: da = dy, db = dy (either may be NULL or alias dy). */
void tt_add_bwd_f32(const float *dy, int n, float *da, float *db);

/* dst[i] += src[i] (sums the two gradient paths at a residual fork). */
void tt_accumulate_f32(float *dst, const float *src, int n);

/* Global average pool backward: dx[p][c] = dy[c] / (h*w). dx: [h][w][c]. */
void tt_avgpool_bwd_f32(const float *dy, int h, int w, int c, float *dx);
/* The same gradient kept pooled: dx[c] = dy[c] / npix, the value tt_avgpool_bwd_f32 writes at
 * every one of the npix pixels (bit for bit). dx may alias dy. */
void tt_avgpool_bwd_pooled_f32(const float *dy, int npix, int c, float *dx);

/* FC backward of tt_fc_s8. dlogits: [cout]. dx [cin] (nullable): sum_o dl[o]*s_w[o]*W[o][i].
 * dw [cout][k] (nullable): dl[o]*s_x*(x[i]-z_x) for i < k. db [cout] (nullable): dl[o]. */
void tt_fc_s8_bwd(const int8_t *x, int cin, float s_x, int32_t z_x,
                  const int8_t *wt, const int8_t *wt_sram, int k, const float *s_w,
                  int cout, const float *dlogits, float *dx, float *dw, float *db);

/* Log-softmax + NLL at batch 1. Returns the loss; dlogits [n] (nullable) = softmax - onehot;
 * *argmax (nullable) = index of the largest logit (first on ties). */
float tt_log_softmax_nll(const float *logits, int n, int label, float *dlogits, int *argmax);

/* ------------------------------------------------------------------ */
/* update                                                              */
/* ------------------------------------------------------------------ */

/* The lr of step `step` (from 0) of `steps` under train.lr_decay: cosine; 0 from step `steps` on. */
float tt_lr_cosine(float lr, uint32_t step, uint32_t steps);

/* xorshift32 PRNG. state must be non-zero; tt_rng_seed maps seed 0 to a fixed constant. */
void tt_rng_seed(uint32_t *state, uint32_t seed);
uint32_t tt_xorshift32(uint32_t *state);

/* SGD (no momentum) on an SRAM int8 weight slice, in place, stochastic rounding, saturation
 * to [-127, 127]. w, g_real: [cout][per_out] (g_real = gradient w.r.t. the REAL weight, as
 * produced by the *_bwd_weight kernels). With qas != 0 the int8 value moves by
 * -lr * g_real / s_w[o]  (= -lr * G_q / s_w^2, QAS); with qas == 0 by -lr * s_w[o] * g_real
 * (= -lr * G_q, the unscaled int8-domain baseline). rng: xorshift32 state. */
void tt_sgd_s8(int8_t *w, const float *g_real, int cout, int per_out,
               const float *s_w, float lr, int qas, uint32_t *rng);

/* tt_sgd_s8 with a rounding residual (train.weight_rounding: residual): res [cout][per_out]
 * holds each weight's fraction of a step in 1/256 (zero at the start), so updates far below one
 * step add up instead of each being rounded to 0 or 1 at random. The step is rounded
 * stochastically at 1/256; w becomes the nearest int8 value of w + res/256 (halves up), res the
 * rest, in [-128, 127]; w + res/256 saturates at [-127, 127]. res NULL: exactly tt_sgd_s8. */
void tt_sgd_s8_residual(int8_t *w, int8_t *res, const float *g_real, int cout, int per_out,
                        const float *s_w, float lr, int qas, uint32_t *rng);

/* SGD on an int32 bias copy, in place, round to nearest, saturating. s = s_x*s_w[o];
 * qas != 0: b -= lr * g_real / s (= G_qb / s^2); qas == 0: b -= lr * s * g_real (= G_qb). */
void tt_sgd_bias_s32(int32_t *b, const float *g_real, int cout,
                     float s_x, const float *s_w, float lr, int qas);

/* ------------------------------------------------------------------ */
/* fp32 path (host pretraining and reference)                          */
/* ------------------------------------------------------------------ */

/* Same layouts and padding as the int8 kernels; bias nullable; no activation (see relu6). */
void tt_conv2d_f32(const float *x, int h, int w, int cin, const float *wt, const float *bias,
                   int cout, const tt_conv_geom *geo, float *y);
void tt_pwconv_f32(const float *x, int h, int w, int cin, const float *wt, const float *bias,
                   int cout, float *y);
void tt_dwconv_f32(const float *x, int h, int w, int c, const float *wt, const float *bias,
                   const tt_conv_geom *geo, float *y);
void tt_add_f32(const float *a, const float *b, int n, float *y);       /* y may alias */
void tt_relu6_f32(const float *x, int n, float *y);                     /* y may alias x */
/* dx = dy where 0 < y < 6 (y = relu6 OUTPUT), else 0. dx may alias dy. */
void tt_relu6_bwd_f32(const float *y, const float *dy, int n, float *dx);
void tt_avgpool_f32(const float *x, int h, int w, int c, float *y);
/* y[o] = b[o] + sum_i W[o][i]*x[i]; wt [cout][cin]; bias nullable. */
void tt_fc_f32(const float *x, int cin, const float *wt, const float *bias, int cout, float *y);

void tt_conv2d_f32_bwd_input(const float *dy, int h, int w, int cin, const float *wt,
                             int cout, const tt_conv_geom *geo, float *dx);
void tt_conv2d_f32_bwd_weight(const float *x, int h, int w, int cin, const float *dy,
                              int cout, const tt_conv_geom *geo, float *dw);
void tt_pwconv_f32_bwd_input(const float *dy, int h, int w, int cin, const float *wt,
                             int cout, float *dx);
void tt_pwconv_f32_bwd_weight(const float *x, int h, int w, int cin, const float *dy,
                              int cout, float *dw);
void tt_dwconv_f32_bwd_input(const float *dy, int h, int w, int c, const float *wt,
                             const tt_conv_geom *geo, float *dx);
void tt_dwconv_f32_bwd_weight(const float *x, int h, int w, int c, const float *dy,
                              const tt_conv_geom *geo, float *dw);
/* dx [cin], dw [cout][cin], db [cout]; each nullable. */
void tt_fc_f32_bwd(const float *x, int cin, const float *wt, int cout, const float *dy,
                   float *dx, float *dw, float *db);
/* w[i] -= lr * g[i] */
void tt_sgd_f32(float *w, const float *g, int n, float lr);

#ifdef __cplusplus
}
#endif

#endif /* TT_KERNELS_H */

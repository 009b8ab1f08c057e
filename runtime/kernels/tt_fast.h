/*
 * tt_fast.h - fast forward and backward kernels the code generator picks per layer shape.
 * Each computes exactly what its reference kernel in tt_kernels.h computes: int8 outputs and
 * masks bit for bit, float gradients in the same order of additions (so bit for bit too).
 * They differ in how: the requantization multipliers come precomputed (tt_rq, emitted
 * by the code generator), kernel size and stride are compile-time constants in the depthwise
 * bodies, and on Cortex-M4/M7 the int8 dot products use the DSP instructions (tt_simd.h), on
 * the host with -mavx2 AVX2 (tt_avx2.h).
 * A shape a fast kernel does not cover is handled by its reference kernel (the generator
 * only picks a fast kernel for shapes it covers; each fast kernel also checks and falls back).
 */
#ifndef TT_FAST_H
#define TT_FAST_H

#include <stdint.h>
#include "tt_kernels.h"

/* A layer's requantization, computed at compile time: m[o] = s_x * s_w[o] / s_y in float
 * (as the reference kernels compute it per element), the zero points, and the clamp range of
 * the activation (tt_act_range of tt_quant's act: [-128, 127] for none, lo = max(-128, z_y)
 * for ReLU and ReLU6, hi = min(127, z_y + round(6/s_y)) for ReLU6). */
typedef struct tt_rq {
    const float *m;  /* [cout] (depthwise: [c]); every value finite */
    int32_t z_x;
    int32_t z_y;
    int32_t lo;
    int32_t hi;
} tt_rq;

/* = tt_pwconv_s8 on x [npix][cin]. Two pixels and two output channels per pass. */
void tt_pwconv_s8_fast(const int8_t *x, int npix, int cin,
                       const int8_t *wt, const int8_t *wt_sram, int k,
                       const int32_t *bias, const int32_t *bias_sram,
                       int cout, const tt_rq *rq, int8_t *y, uint8_t *mask);

/* = tt_conv2d_s8 for a small patch (kh*kw*cin <= TT_CONV_FAST_MAX_PATCH, e.g. the 3-channel
 * stem), any geometry: each input patch gathered once, zero-point applied, then one dot
 * product per output channel. Larger patches, and a weight slice in SRAM, take the reference
 * loop (with the precomputed multipliers). */
#define TT_CONV_FAST_MAX_PATCH 64
void tt_conv2d_s8_fast(const int8_t *x, int h, int w, int cin,
                       const int8_t *wt, const int8_t *wt_sram, int k,
                       const int32_t *bias, const int32_t *bias_sram,
                       int cout, const tt_conv_geom *geo,
                       const tt_rq *rq, int8_t *y, uint8_t *mask);

/* = tt_dwconv_s8 / tt_dwconv_s8_inplace (same arguments but rq). Square kernels 3, 5, 7 with
 * the same stride 1 or 2 on both axes (any padding) run bodies specialized at compile time;
 * other geometries (1-D [k, 1], non-square, mixed strides) the reference channel loop. */
void tt_dwconv_s8_fast(const int8_t *x, int h, int w, int c,
                       const int8_t *wt, const int8_t *wt_sram, int k,
                       const int32_t *bias, const int32_t *bias_sram,
                       const tt_conv_geom *geo,
                       const tt_rq *rq, int8_t *y, uint8_t *mask);
void tt_dwconv_s8_inplace_fast(int8_t *buf, int h, int w, int c,
                               const int8_t *wt, const int8_t *wt_sram, int k,
                               const int32_t *bias, const int32_t *bias_sram,
                               const tt_conv_geom *geo,
                               const tt_rq *rq, int8_t *tmp, uint8_t *mask);

/* = tt_pwconv_s8_bwd_input: blocks of input channels held in registers while the output
 * channels stream past, each dx element summed in the reference's order (bit-identical). */
void tt_pwconv_s8_bwd_input_fast(const float *dz, int h, int w, int cin,
                                 const int8_t *wt, const int8_t *wt_sram, int k,
                                 const float *s_w, int cout, float *dx);

/* = tt_dwconv_s8_bwd_input: the same scatter in the same order (bit-identical), taps converted to
 * float once per channel and the taps inside the input found once per output, not per tap. */
void tt_dwconv_s8_bwd_input_fast(const float *dz, int h, int w, int c,
                                 const int8_t *wt, const int8_t *wt_sram, int k,
                                 const float *s_w, const tt_conv_geom *geo, float *dx);

/* Streamed frozen prefix (tt_stream.h): = tt_conv2d_s8_row (a small patch as tt_conv2d_s8_fast,
 * larger ones the reference loop with the precomputed multipliers) and = tt_dwconv_s8_row
 * (pixel-major, four channels per pass; kernels of more than 7 rows or 49 taps the reference
 * loop). */
void tt_conv2d_s8_row_fast(const int8_t *ring, int ring_rows, int h, int w, int cin,
                           const int8_t *wt, const int32_t *bias, int cout, const tt_conv_geom *geo,
                           const tt_rq *rq, int oy, int8_t *y);
void tt_dwconv_s8_row_fast(const int8_t *ring, int ring_rows, int h, int w, int c,
                           const int8_t *wt, const int32_t *bias, const tt_conv_geom *geo,
                           const tt_rq *rq, int oy, int8_t *y);

/* Chunked backward (tt_chunked.h), bit for bit: = tt_pwconv_s8_bwd_input_chunk and
 * = tt_pwconv_s8_bwd_input_acc with four pixels x four channels in sixteen float registers
 * (each element's products added in the reference's order), = tt_mask_apply_chunk_f32 and
 * = tt_bias_grad_sgd_s32_masked a mask byte at a time where the bits are aligned. */
void tt_pwconv_s8_bwd_input_chunk_fast(const float *dz, int dz_stride, const uint8_t *dz_mask, int npix, int cin, int c0, int n,
                                       const int8_t *wt, const int8_t *wt_sram, int k,
                                       const float *s_w, int cout, float *dx_chunk);
void tt_pwconv_s8_bwd_input_acc_fast(const float *dz_chunk, int npix, int cin,
                                     const int8_t *wt, const int8_t *wt_sram, int k,
                                     const float *s_w, int n, float *dx);

/* = tt_add_s8 (same arguments): the same float sum per element, branch-free rounding and clamp,
 * the mask written a byte at a time. */
void tt_add_s8_fast(const int8_t *a, float s_a, int32_t z_a,
                    const int8_t *b, float s_b, int32_t z_b,
                    int n, float s_y, int32_t z_y, int8_t *y, uint8_t *mask);

/* = tt_mask_apply_chunk_f32 eight elements per mask byte; = tt_bias_grad_sgd_s32 four channels per
 * pixel pass (each channel's sum in the reference's order): bit for bit. */
void tt_mask_apply_chunk_f32_fast(const float *dy, const uint8_t *mask, int npix, int c, int c0, int n, float *dz);
void tt_bias_grad_sgd_s32_fast(const float *dz, int npix, int c, int32_t *b_sram,
                               float s_x, const float *s_w, float lr, int qas);

/* = tt_conv2d_s8_weight_grad_fma_sgd (and its _residual twin; tt_fused.h), any geometry:
 * TT_WGRAD_FMA_ROWS output channels x four input channels of the slice per pass over a tap's
 * pixels in float registers. ws: TT_WGRAD_FMA_ROWS (at most cout) rows of kh*kw*k floats; the
 * memory plan counts them (compiler/schedule/fuse.ts). */
#define TT_WGRAD_FMA_ROWS 4
void tt_conv2d_s8_weight_grad_fma_sgd_fast(const int8_t *x, int x_cstride, int h, int w,
                                           float s_x, int32_t z_x, const float *dz,
                                           int cout, const tt_conv_geom *geo, int k,
                                           int8_t *w_sram, const float *s_w, float lr, int qas,
                                           uint32_t *rng, float *ws);
void tt_conv2d_s8_weight_grad_fma_sgd_residual_fast(const int8_t *x, int x_cstride, int h, int w,
                                                    float s_x, int32_t z_x, const float *dz,
                                                    int cout, const tt_conv_geom *geo, int k,
                                                    int8_t *w_sram, int8_t *w_res, const float *s_w,
                                                    float lr, int qas, uint32_t *rng, float *ws);

#endif /* TT_FAST_H */

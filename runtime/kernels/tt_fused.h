/*
 * tt_fused.h - kernels the code generator uses for operator reordering at its finest grain:
 * a parameter gradient computed one output channel at a time and applied at once (SGD, QAS,
 * stochastic rounding as tt_sgd_s8), so no whole-weight gradient buffer exists. Each equals the
 * unfused pair (*_bwd_weight then tt_sgd_s8 / tt_bias_grad_f32 then tt_sgd_bias_s32) bit for
 * bit: same accumulation order, same random draws. Plus the small data movers the plan needs.
 */
#ifndef TT_FUSED_H
#define TT_FUSED_H

#include <stdint.h>
#include "tt_kernels.h"

/* Copies the first k channels of x [npix][c] into out [npix][k] (the saved input slice). */
void tt_slice_channels_s8(const int8_t *x, int npix, int c, int k, int8_t *out);

/* Copies the trained slice of a conv weight: w [cout][per_pos][cin] -> sram [cout][per_pos][k]
 * (per_pos = kh*kw; pointwise 1). For depthwise use k*kh*kw contiguous bytes (memcpy). */
void tt_copy_weight_slice_s8(const int8_t *w, int cout, int per_pos, int cin, int k, int8_t *sram);

/* Conv / pointwise weight gradient for the first k input channels, fused with SGD on the SRAM
 * slice w_sram [cout][kh][kw][k]. x: saved input, element (y, x, i) at (y*w + x)*x_cstride + i.
 * ws: workspace of kh*kw*k floats. */
void tt_conv2d_s8_weight_grad_sgd(const int8_t *x, int x_cstride, int h, int w,
                                  float s_x, int32_t z_x, const float *dz,
                                  int cout, const tt_conv_geom *geo, int k,
                                  int8_t *w_sram, const float *s_w, float lr, int qas,
                                  uint32_t *rng, float *ws);

/* = tt_conv2d_s8_weight_grad_sgd with each weight's gradient summed by fmaf over the output
 * pixels in order, times s_x at the end (the fast kernel's sums; the fused multiply-add rounds
 * once, so the gradients differ from tt_conv2d_s8_weight_grad_sgd's by float reassociation).
 * ws: kh*kw*k floats (the fast kernel: TT_WGRAD_FMA_ROWS times that, tt_fast.h). */
void tt_conv2d_s8_weight_grad_fma_sgd(const int8_t *x, int x_cstride, int h, int w,
                                      float s_x, int32_t z_x, const float *dz,
                                      int cout, const tt_conv_geom *geo, int k,
                                      int8_t *w_sram, const float *s_w, float lr, int qas,
                                      uint32_t *rng, float *ws);

/* Depthwise weight gradient for the first k channels fused with SGD on w_sram [k][kh][kw].
 * ws: workspace of kh*kw floats. */
void tt_dwconv_s8_weight_grad_sgd(const int8_t *x, int x_cstride, int h, int w,
                                  float s_x, int32_t z_x, const float *dz, int c,
                                  const tt_conv_geom *geo, int k,
                                  int8_t *w_sram, const float *s_w, float lr, int qas,
                                  uint32_t *rng, float *ws);

/* Bias gradient (spatial sum of dz [npix][c]) fused with SGD on the int32 copy b_sram [c]. */
void tt_bias_grad_sgd_s32(const float *dz, int npix, int c, int32_t *b_sram,
                          float s_x, const float *s_w, float lr, int qas);

/* Classifier backward fused with its update: dx [cin] (nullable) from the weights before the
 * update, then each row of W (SRAM copy [cout][cin]) and each bias updated in turn.
 * ws: workspace of cin floats. */
void tt_fc_s8_bwd_sgd(const int8_t *x, int cin, float s_x, int32_t z_x,
                      int8_t *w_sram, const float *s_w, int32_t *b_sram, int cout,
                      const float *dlogits, float *dx, float lr, int qas, uint32_t *rng, float *ws);

/* The four fused updates above with a rounding residual per trained weight (w_res, the same
 * layout as w_sram; see tt_sgd_s8_residual). w_res NULL: exactly the kernel without the suffix. */
void tt_conv2d_s8_weight_grad_sgd_residual(const int8_t *x, int x_cstride, int h, int w,
                                           float s_x, int32_t z_x, const float *dz,
                                           int cout, const tt_conv_geom *geo, int k,
                                           int8_t *w_sram, int8_t *w_res, const float *s_w,
                                           float lr, int qas, uint32_t *rng, float *ws);
void tt_conv2d_s8_weight_grad_fma_sgd_residual(const int8_t *x, int x_cstride, int h, int w,
                                               float s_x, int32_t z_x, const float *dz,
                                               int cout, const tt_conv_geom *geo, int k,
                                               int8_t *w_sram, int8_t *w_res, const float *s_w,
                                               float lr, int qas, uint32_t *rng, float *ws);
void tt_dwconv_s8_weight_grad_sgd_residual(const int8_t *x, int x_cstride, int h, int w,
                                           float s_x, int32_t z_x, const float *dz, int c,
                                           const tt_conv_geom *geo, int k,
                                           int8_t *w_sram, int8_t *w_res, const float *s_w,
                                           float lr, int qas, uint32_t *rng, float *ws);
void tt_fc_s8_bwd_sgd_residual(const int8_t *x, int cin, float s_x, int32_t z_x,
                               int8_t *w_sram, int8_t *w_res, const float *s_w, int32_t *b_sram, int cout,
                               const float *dlogits, float *dx, float lr, int qas, uint32_t *rng, float *ws);

#endif

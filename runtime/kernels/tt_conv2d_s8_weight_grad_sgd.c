/* Conv weight gradient fused with its SGD update, one output channel at a time (see tt_fused.h).
 * The loops visit output pixels in the same order as tt_conv2d_s8_bwd_weight, so each gradient
 * value, and then each stochastic-rounding draw, is the same as the unfused pair (the loop:
 * tt_conv_wgrad_rows.h). */
#include "tt_fused.h"
#include "tt_conv_wgrad_rows.h"

void tt_conv2d_s8_weight_grad_sgd(const int8_t *x, int x_cstride, int h, int w,
                                  float s_x, int32_t z_x, const float *dz,
                                  int cout, const tt_conv_geom *geo, int k,
                                  int8_t *w_sram, const float *s_w, float lr, int qas,
                                  uint32_t *rng, float *ws)
{
    tt_conv2d_s8_weight_grad_sgd_residual(x, x_cstride, h, w, s_x, z_x, dz, cout, geo, k,
                                          w_sram, 0, s_w, lr, qas, rng, ws);
}

void tt_conv2d_s8_weight_grad_sgd_residual(const int8_t *x, int x_cstride, int h, int w,
                                           float s_x, int32_t z_x, const float *dz,
                                           int cout, const tt_conv_geom *geo, int k,
                                           int8_t *w_sram, int8_t *w_res, const float *s_w,
                                           float lr, int qas, uint32_t *rng, float *ws)
{
    tt_conv_wgrad_sgd_rows(x, x_cstride, h, w, s_x, z_x, dz, cout, geo, k, w_sram, w_res, s_w, lr, qas, rng, ws, 0);
}

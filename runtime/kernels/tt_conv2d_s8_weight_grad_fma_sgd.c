/* Conv weight gradient fused with its SGD update, summed with fused multiply-adds (see
 * tt_fused.h): each weight's gradient is fmaf(dz, x - z_x, acc) over the output pixels in
 * order, times s_x once at the end. fmaf is exactly rounded on every target (one VFMA on
 * Cortex-M4F / M7), so the host and the device get the same bits, and so does the blocked
 * tt_conv2d_s8_weight_grad_fma_sgd_fast, which visits each weight's pixels in this order. */
#include "tt_fused.h"
#include "tt_conv_wgrad_rows.h"

void tt_conv2d_s8_weight_grad_fma_sgd(const int8_t *x, int x_cstride, int h, int w,
                                      float s_x, int32_t z_x, const float *dz,
                                      int cout, const tt_conv_geom *geo, int k,
                                      int8_t *w_sram, const float *s_w, float lr, int qas,
                                      uint32_t *rng, float *ws)
{
    tt_conv2d_s8_weight_grad_fma_sgd_residual(x, x_cstride, h, w, s_x, z_x, dz, cout, geo, k,
                                              w_sram, 0, s_w, lr, qas, rng, ws);
}

void tt_conv2d_s8_weight_grad_fma_sgd_residual(const int8_t *x, int x_cstride, int h, int w,
                                               float s_x, int32_t z_x, const float *dz,
                                               int cout, const tt_conv_geom *geo, int k,
                                               int8_t *w_sram, int8_t *w_res, const float *s_w,
                                               float lr, int qas, uint32_t *rng, float *ws)
{
    tt_conv_wgrad_sgd_rows(x, x_cstride, h, w, s_x, z_x, dz, cout, geo, k, w_sram, w_res, s_w, lr, qas, rng, ws, 1);
}

/* Conv weight gradient fused with its SGD update, one output channel at a time (see tt_fused.h).
 * The loops visit output pixels in the same order as tt_conv2d_s8_bwd_weight, so each gradient
 * value, and then each stochastic-rounding draw, is the same as the unfused pair. */
#include <string.h>
#include "tt_fused.h"

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
    int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    int per = kh * kw * k;
    int o, oy, ox, ky, kx, i;
    for (o = 0; o < cout; o++) {
        memset(ws, 0, sizeof(float) * (size_t)per);
        for (oy = 0; oy < ho; oy++) {
            for (ox = 0; ox < wo; ox++) {
                float g = dz[(oy * wo + ox) * cout + o];
                if (g == 0.0f) continue;
                g *= s_x;
                for (ky = 0; ky < kh; ky++) {
                    int iy = oy * sty - ph + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (kx = 0; kx < kw; kx++) {
                        int ix = ox * stx - pw + kx;
                        const int8_t *xp;
                        float *gp;
                        if (ix < 0 || ix >= w) continue;
                        xp = x + (iy * w + ix) * x_cstride;
                        gp = ws + (ky * kw + kx) * k;
                        for (i = 0; i < k; i++) gp[i] += g * (float)((int32_t)xp[i] - z_x);
                    }
                }
            }
        }
        tt_sgd_s8_residual(w_sram + (size_t)o * (size_t)per, w_res ? w_res + (size_t)o * (size_t)per : 0,
                           ws, 1, per, s_w + o, lr, qas, rng);
    }
}

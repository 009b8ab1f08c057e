/* Depthwise weight gradient fused with its SGD update, one channel at a time (see tt_fused.h). */
#include <string.h>
#include "tt_fused.h"

void tt_dwconv_s8_weight_grad_sgd(const int8_t *x, int x_cstride, int h, int w,
                                  float s_x, int32_t z_x, const float *dz, int c,
                                  const tt_conv_geom *geo, int k,
                                  int8_t *w_sram, const float *s_w, float lr, int qas,
                                  uint32_t *rng, float *ws)
{
    tt_dwconv_s8_weight_grad_sgd_residual(x, x_cstride, h, w, s_x, z_x, dz, c, geo, k,
                                          w_sram, 0, s_w, lr, qas, rng, ws);
}

void tt_dwconv_s8_weight_grad_sgd_residual(const int8_t *x, int x_cstride, int h, int w,
                                           float s_x, int32_t z_x, const float *dz, int c,
                                           const tt_conv_geom *geo, int k,
                                           int8_t *w_sram, int8_t *w_res, const float *s_w,
                                           float lr, int qas, uint32_t *rng, float *ws)
{
    int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    int ch, oy, ox, ky, kx;
    for (ch = 0; ch < k; ch++) {
        memset(ws, 0, sizeof(float) * (size_t)(kh * kw));
        for (oy = 0; oy < ho; oy++) {
            for (ox = 0; ox < wo; ox++) {
                float g = dz[(oy * wo + ox) * c + ch];
                if (g == 0.0f) continue;
                g *= s_x;
                for (ky = 0; ky < kh; ky++) {
                    int iy = oy * sty - ph + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (kx = 0; kx < kw; kx++) {
                        int ix = ox * stx - pw + kx;
                        if (ix < 0 || ix >= w) continue;
                        ws[ky * kw + kx] += g * (float)((int32_t)x[(iy * w + ix) * x_cstride + ch] - z_x);
                    }
                }
            }
        }
        tt_sgd_s8_residual(w_sram + (size_t)ch * (size_t)(kh * kw), w_res ? w_res + (size_t)ch * (size_t)(kh * kw) : 0,
                           ws, 1, kh * kw, s_w + ch, lr, qas, rng);
    }
}

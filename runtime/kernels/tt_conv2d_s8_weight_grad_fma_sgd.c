/* Conv weight gradient fused with its SGD update, summed with fused multiply-adds (see
 * tt_fused.h): each weight's gradient is fmaf(dz, x - z_x, acc) over the output pixels in
 * order, times s_x once at the end. fmaf is exactly rounded on every target (one VFMA on
 * Cortex-M4F / M7), so the host and the device get the same bits, and so does the blocked
 * tt_conv2d_s8_weight_grad_fma_sgd_fast, which visits each weight's pixels in this order. */
#include <math.h>
#include <string.h>
#include "tt_fused.h"

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
    int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    int per = kh * kw * k;
    int o, oy, ox, ky, kx, i;
    for (o = 0; o < cout; o++) {
        memset(ws, 0, sizeof(float) * (size_t)per);
        for (oy = 0; oy < ho; oy++) {
            for (ox = 0; ox < wo; ox++) {
                float g = dz[(oy * wo + ox) * cout + o];
                if (g == 0.0f) continue; /* fmaf(0, x, acc) is acc: skipping changes nothing */
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
                        for (i = 0; i < k; i++) gp[i] = fmaf(g, (float)((int32_t)xp[i] - z_x), gp[i]);
                    }
                }
            }
        }
        for (i = 0; i < per; i++) ws[i] *= s_x;
        tt_sgd_s8_residual(w_sram + (size_t)o * (size_t)per, w_res ? w_res + (size_t)o * (size_t)per : 0,
                           ws, 1, per, s_w + o, lr, qas, rng);
    }
}

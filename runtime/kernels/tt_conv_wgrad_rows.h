/*
 * tt_conv_wgrad_rows.h - the loop the two fused conv weight-gradient reference kernels share
 * (private; tt_conv2d_s8_weight_grad_sgd.c and tt_conv2d_s8_weight_grad_fma_sgd.c): one output
 * channel at a time, its gradient in ws (visiting output pixels in tt_conv2d_s8_bwd_weight's
 * order), then its SGD step. They differ in the sum: fma = 0 adds (dz * s_x) * (x - z) to each
 * weight (= tt_conv2d_s8_bwd_weight), fma = 1 takes fmaf(dz, x - z, acc) and scales by s_x at
 * the end (the blocked fast kernel's sums).
 */
#ifndef TT_CONV_WGRAD_ROWS_H
#define TT_CONV_WGRAD_ROWS_H

#include <math.h>
#include "tt_internal.h"

static inline void tt_conv_wgrad_sgd_rows(const int8_t *x, int x_cstride, int h, int w,
                                          float s_x, int32_t z_x, const float *dz,
                                          int cout, const tt_conv_geom *geo, int k,
                                          int8_t *w_sram, int8_t *w_res, const float *s_w,
                                          float lr, int qas, uint32_t *rng, float *ws, int fma)
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
                if (g == 0.0f) continue; /* with fmaf too: fmaf(0, x, acc) is acc */
                if (!fma) g *= s_x;
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
                        for (i = 0; i < k; i++) {
                            const float xv = (float)((int32_t)xp[i] - z_x);
                            gp[i] = fma ? fmaf(g, xv, gp[i]) : gp[i] + g * xv;
                        }
                    }
                }
            }
        }
        if (fma) for (i = 0; i < per; i++) ws[i] *= s_x;
        tt_sgd_s8_residual(w_sram + (size_t)o * (size_t)per, w_res ? w_res + (size_t)o * (size_t)per : 0,
                           ws, 1, per, s_w + o, lr, qas, rng);
    }
}

#endif /* TT_CONV_WGRAD_ROWS_H */

/* fp32 standard conv, HWC, OHWI weights, explicit padding, stride per axis. */
#include "tt_internal.h"

void tt_conv2d_f32(const float *x, int h, int w, int cin, const float *wt, const float *bias,
                   int cout, const tt_conv_geom *geo, float *y)
{
    int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    int oy, ox, o, ky, kx, i;
    for (oy = 0; oy < ho; oy++) {
        for (ox = 0; ox < wo; ox++) {
            for (o = 0; o < cout; o++) {
                float acc = bias ? bias[o] : 0.0f;
                for (ky = 0; ky < kh; ky++) {
                    int iy = oy * sty - ph + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (kx = 0; kx < kw; kx++) {
                        int ix = ox * stx - pw + kx;
                        const float *xp, *wp;
                        if (ix < 0 || ix >= w) continue;
                        xp = x + (iy * w + ix) * cin;
                        wp = wt + ((o * kh + ky) * kw + kx) * cin;
                        for (i = 0; i < cin; i++) acc += wp[i] * xp[i];
                    }
                }
                y[(oy * wo + ox) * cout + o] = acc;
            }
        }
    }
}

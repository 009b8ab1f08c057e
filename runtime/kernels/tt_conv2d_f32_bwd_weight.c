/* fp32 conv weight gradient: dw [cout][kh][kw][cin] (all input channels). */
#include <string.h>
#include "tt_internal.h"

void tt_conv2d_f32_bwd_weight(const float *x, int h, int w, int cin, const float *dy,
                              int cout, const tt_conv_geom *geo, float *dw)
{
    int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    int oy, ox, o, ky, kx, i;
    memset(dw, 0, sizeof(float) * (size_t)cout * (size_t)kh * (size_t)kw * (size_t)cin);
    for (oy = 0; oy < ho; oy++) {
        for (ox = 0; ox < wo; ox++) {
            for (o = 0; o < cout; o++) {
                float g = dy[(oy * wo + ox) * cout + o];
                if (g == 0.0f) continue;
                for (ky = 0; ky < kh; ky++) {
                    int iy = oy * sty - ph + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (kx = 0; kx < kw; kx++) {
                        int ix = ox * stx - pw + kx;
                        const float *xp;
                        float *dwp;
                        if (ix < 0 || ix >= w) continue;
                        xp = x + (iy * w + ix) * cin;
                        dwp = dw + ((o * kh + ky) * kw + kx) * cin;
                        for (i = 0; i < cin; i++) dwp[i] += g * xp[i];
                    }
                }
            }
        }
    }
}

/* fp32 depthwise conv input gradient. */
#include <string.h>
#include "tt_internal.h"

void tt_dwconv_f32_bwd_input(const float *dy, int h, int w, int c, const float *wt,
                             const tt_conv_geom *geo, float *dx)
{
    int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    int oy, ox, ch, ky, kx;
    memset(dx, 0, sizeof(float) * (size_t)h * (size_t)w * (size_t)c);
    for (oy = 0; oy < ho; oy++) {
        for (ox = 0; ox < wo; ox++) {
            for (ch = 0; ch < c; ch++) {
                float g = dy[(oy * wo + ox) * c + ch];
                const float *wc = wt + ch * kh * kw;
                if (g == 0.0f) continue;
                for (ky = 0; ky < kh; ky++) {
                    int iy = oy * sty - ph + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (kx = 0; kx < kw; kx++) {
                        int ix = ox * stx - pw + kx;
                        if (ix < 0 || ix >= w) continue;
                        dx[(iy * w + ix) * c + ch] += g * wc[ky * kw + kx];
                    }
                }
            }
        }
    }
}

/* fp32 depthwise conv weight gradient: dw [c][kh][kw]. */
#include <string.h>
#include "tt_internal.h"

void tt_dwconv_f32_bwd_weight(const float *x, int h, int w, int c, const float *dy,
                              const tt_conv_geom *geo, float *dw)
{
    int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    int oy, ox, ch, ky, kx;
    memset(dw, 0, sizeof(float) * (size_t)c * (size_t)kh * (size_t)kw);
    for (oy = 0; oy < ho; oy++) {
        for (ox = 0; ox < wo; ox++) {
            for (ch = 0; ch < c; ch++) {
                float g = dy[(oy * wo + ox) * c + ch];
                float *dwc = dw + ch * kh * kw;
                if (g == 0.0f) continue;
                for (ky = 0; ky < kh; ky++) {
                    int iy = oy * sty - ph + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (kx = 0; kx < kw; kx++) {
                        int ix = ox * stx - pw + kx;
                        if (ix < 0 || ix >= w) continue;
                        dwc[ky * kw + kx] += g * x[(iy * w + ix) * c + ch];
                    }
                }
            }
        }
    }
}

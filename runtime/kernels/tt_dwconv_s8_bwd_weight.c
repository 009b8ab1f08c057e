/* Weight gradient of an int8 depthwise conv for the first k channels: dw [k][kh][kw]. */
#include <string.h>
#include "tt_internal.h"

void tt_dwconv_s8_bwd_weight(const int8_t *x, int x_cstride, int h, int w,
                             float s_x, int32_t z_x, const float *dz, int c,
                             const tt_conv_geom *geo, int k, float *dw)
{
    int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    int oy, ox, ch, ky, kx;
    memset(dw, 0, sizeof(float) * (size_t)k * (size_t)kh * (size_t)kw);
    for (ch = 0; ch < k; ch++) {
        float *dwc = dw + ch * kh * kw;
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
                        dwc[ky * kw + kx] +=
                            g * (float)((int32_t)x[(iy * w + ix) * x_cstride + ch] - z_x);
                    }
                }
            }
        }
    }
}

/* fp32 depthwise conv, HWC, weights [c][kh][kw]. */
#include "tt_internal.h"

void tt_dwconv_f32(const float *x, int h, int w, int c, const float *wt, const float *bias,
                   const tt_conv_geom *geo, float *y)
{
    int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    int oy, ox, ch, ky, kx;
    for (oy = 0; oy < ho; oy++) {
        for (ox = 0; ox < wo; ox++) {
            for (ch = 0; ch < c; ch++) {
                const float *wc = wt + ch * kh * kw;
                float acc = bias ? bias[ch] : 0.0f;
                for (ky = 0; ky < kh; ky++) {
                    int iy = oy * sty - ph + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (kx = 0; kx < kw; kx++) {
                        int ix = ox * stx - pw + kx;
                        if (ix < 0 || ix >= w) continue;
                        acc += wc[ky * kw + kx] * x[(iy * w + ix) * c + ch];
                    }
                }
                y[(oy * wo + ox) * c + ch] = acc;
            }
        }
    }
}

/* Input gradient of an int8 depthwise conv (per-channel transposed conv). */
#include <string.h>
#include "tt_internal.h"

void tt_dwconv_s8_bwd_input(const float *dz, int h, int w, int c,
                            const int8_t *wt, const int8_t *wt_sram, int k,
                            const float *s_w, const tt_conv_geom *geo, float *dx)
{
    int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    int oy, ox, ch, ky, kx;
    k = tt_slice_k(wt_sram, k, c);
    memset(dx, 0, sizeof(float) * (size_t)h * (size_t)w * (size_t)c);
    for (ch = 0; ch < c; ch++) {
        const int8_t *wc = ch < k ? wt_sram + ch * kh * kw : wt + ch * kh * kw;
        float sw = s_w[ch];
        for (oy = 0; oy < ho; oy++) {
            for (ox = 0; ox < wo; ox++) {
                float g = dz[(oy * wo + ox) * c + ch];
                if (g == 0.0f) continue;
                g *= sw;
                for (ky = 0; ky < kh; ky++) {
                    int iy = oy * sty - ph + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (kx = 0; kx < kw; kx++) {
                        int ix = ox * stx - pw + kx;
                        if (ix < 0 || ix >= w) continue;
                        dx[(iy * w + ix) * c + ch] += g * (float)wc[ky * kw + kx];
                    }
                }
            }
        }
    }
}

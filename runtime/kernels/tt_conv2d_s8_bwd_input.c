/* Input gradient of an int8 conv: transposed conv of dz with the dequantized weights. */
#include <string.h>
#include "tt_internal.h"

void tt_conv2d_s8_bwd_input(const float *dz, int h, int w, int cin,
                            const int8_t *wt, const int8_t *wt_sram, int k,
                            const float *s_w, int cout, const tt_conv_geom *geo,
                            float *dx)
{
    int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    int oy, ox, o, ky, kx, i;
    k = tt_slice_k(wt_sram, k, cin);
    memset(dx, 0, sizeof(float) * (size_t)h * (size_t)w * (size_t)cin);
    for (oy = 0; oy < ho; oy++) {
        for (ox = 0; ox < wo; ox++) {
            const float *dzp = dz + (oy * wo + ox) * cout;
            for (o = 0; o < cout; o++) {
                float g = dzp[o];
                if (g == 0.0f) continue; /* masked-out outputs are common */
                g *= s_w[o];
                for (ky = 0; ky < kh; ky++) {
                    int iy = oy * sty - ph + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (kx = 0; kx < kw; kx++) {
                        int ix = ox * stx - pw + kx;
                        const int8_t *wf, *ws;
                        float *dxp;
                        if (ix < 0 || ix >= w) continue;
                        dxp = dx + (iy * w + ix) * cin;
                        wf = wt + ((o * kh + ky) * kw + kx) * cin;
                        ws = k ? wt_sram + ((o * kh + ky) * kw + kx) * k : wf;
                        for (i = 0; i < k; i++) dxp[i] += g * (float)ws[i];
                        for (i = k; i < cin; i++) dxp[i] += g * (float)wf[i];
                    }
                }
            }
        }
    }
}

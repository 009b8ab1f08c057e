/* fp32 conv input gradient (transposed conv). dy: [ho][wo][cout], dx: [h][w][cin]. */
#include <string.h>
#include "tt_internal.h"

void tt_conv2d_f32_bwd_input(const float *dy, int h, int w, int cin, const float *wt,
                             int cout, const tt_conv_geom *geo, float *dx)
{
    int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    int oy, ox, o, ky, kx, i;
    memset(dx, 0, sizeof(float) * (size_t)h * (size_t)w * (size_t)cin);
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
                        const float *wp;
                        float *dxp;
                        if (ix < 0 || ix >= w) continue;
                        wp = wt + ((o * kh + ky) * kw + kx) * cin;
                        dxp = dx + (iy * w + ix) * cin;
                        for (i = 0; i < cin; i++) dxp[i] += g * wp[i];
                    }
                }
            }
        }
    }
}

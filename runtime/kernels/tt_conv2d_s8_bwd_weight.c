/* Weight gradient of an int8 conv for the first k input channels: correlation of the saved
 * (dequantized) int8 input with dz. Result is w.r.t. the real weight, [cout][kh][kw][k]. */
#include <string.h>
#include "tt_internal.h"

void tt_conv2d_s8_bwd_weight(const int8_t *x, int x_cstride, int h, int w,
                             float s_x, int32_t z_x, const float *dz,
                             int cout, const tt_conv_geom *geo, int k, float *dw)
{
    int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    int oy, ox, o, ky, kx, i;
    memset(dw, 0, sizeof(float) * (size_t)cout * (size_t)kh * (size_t)kw * (size_t)k);
    for (oy = 0; oy < ho; oy++) {
        for (ox = 0; ox < wo; ox++) {
            const float *dzp = dz + (oy * wo + ox) * cout;
            for (o = 0; o < cout; o++) {
                float g = dzp[o];
                if (g == 0.0f) continue;
                g *= s_x;
                for (ky = 0; ky < kh; ky++) {
                    int iy = oy * sty - ph + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (kx = 0; kx < kw; kx++) {
                        int ix = ox * stx - pw + kx;
                        const int8_t *xp;
                        float *dwp;
                        if (ix < 0 || ix >= w) continue;
                        xp = x + (iy * w + ix) * x_cstride;
                        dwp = dw + ((o * kh + ky) * kw + kx) * k;
                        for (i = 0; i < k; i++) dwp[i] += g * (float)((int32_t)xp[i] - z_x);
                    }
                }
            }
        }
    }
}

/* Standard int8 conv, HWC, OHWI weights, explicit padding, stride per axis, per-channel requant. */
#include "tt_internal.h"

void tt_conv2d_s8(const int8_t *x, int h, int w, int cin,
                  const int8_t *wt, const int8_t *wt_sram, int k,
                  const int32_t *bias, const int32_t *bias_sram,
                  int cout, const tt_conv_geom *geo,
                  const tt_quant *q, int8_t *y, uint8_t *mask)
{
    int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    int32_t lo, hi, z_x = q->z_x;
    int oy, ox, o, ky, kx, i;
    const int32_t *b = bias_sram ? bias_sram : bias;
    k = tt_slice_k(wt_sram, k, cin);
    tt_act_range(q, &lo, &hi);
    for (oy = 0; oy < ho; oy++) {
        for (ox = 0; ox < wo; ox++) {
            int32_t e0 = (int32_t)(oy * wo + ox) * cout;
            for (o = 0; o < cout; o++) {
                int32_t acc = b ? b[o] : 0;
                float m = q->s_x * q->s_w[o] / q->s_y;
                int pass;
                for (ky = 0; ky < kh; ky++) {
                    int iy = oy * sty - ph + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (kx = 0; kx < kw; kx++) {
                        int ix = ox * stx - pw + kx;
                        const int8_t *xp, *wf, *ws;
                        if (ix < 0 || ix >= w) continue;
                        xp = x + (iy * w + ix) * cin;
                        wf = wt + ((o * kh + ky) * kw + kx) * cin;
                        ws = k ? wt_sram + ((o * kh + ky) * kw + kx) * k : wf;
                        for (i = 0; i < k; i++) acc += (int32_t)ws[i] * ((int32_t)xp[i] - z_x);
                        for (i = k; i < cin; i++) acc += (int32_t)wf[i] * ((int32_t)xp[i] - z_x);
                    }
                }
                y[e0 + o] = tt_requant(acc, m, q->z_y, lo, hi, &pass);
                if (mask) tt_mask_put(mask, e0 + o, pass);
            }
        }
    }
}

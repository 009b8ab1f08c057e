/* One output row of a frozen depthwise int8 conv, input rows from a ring (see tt_stream.h). */
#include "tt_stream.h"
#include "tt_internal.h"

void tt_dwconv_s8_row(const int8_t *ring, int ring_rows, int h, int w, int c,
                      const int8_t *wt, const int32_t *bias, const tt_conv_geom *geo,
                      const tt_quant *q, int oy, int8_t *y)
{
    int wo = TT_CONV_OUT_W(geo, w);
    int kh = geo->kh, kw = geo->kw, ph = geo->pt, pw = geo->pl;
    int32_t lo, hi, z_x = q->z_x;
    int ox, ch, ky, kx;
    tt_act_range(q, &lo, &hi);
    for (ch = 0; ch < c; ch++) {
        const int8_t *wc = wt + ch * kh * kw;
        float m = q->s_x * q->s_w[ch] / q->s_y;
        for (ox = 0; ox < wo; ox++) {
            int32_t acc = bias ? bias[ch] : 0;
            int pass;
            for (ky = 0; ky < kh; ky++) {
                int iy = oy * geo->sh - ph + ky;
                const int8_t *row;
                if (iy < 0 || iy >= h) continue;
                row = ring + (size_t)(iy % ring_rows) * (size_t)w * (size_t)c;
                for (kx = 0; kx < kw; kx++) {
                    int ix = ox * geo->sw - pw + kx;
                    if (ix < 0 || ix >= w) continue;
                    acc += (int32_t)wc[ky * kw + kx] * ((int32_t)row[ix * c + ch] - z_x);
                }
            }
            y[ox * c + ch] = tt_requant(acc, m, q->z_y, lo, hi, &pass);
        }
    }
}

/* One output row of a frozen standard int8 conv, input rows from a ring (see tt_stream.h). */
#include "tt_stream.h"
#include "tt_internal.h"

void tt_conv2d_s8_row(const int8_t *ring, int ring_rows, int h, int w, int cin,
                      const int8_t *wt, const int32_t *bias, int cout, const tt_conv_geom *geo,
                      const tt_quant *q, int oy, int8_t *y)
{
    int wo = TT_CONV_OUT_W(geo, w);
    int kh = geo->kh, kw = geo->kw, ph = geo->pt, pw = geo->pl;
    int32_t lo, hi, z_x = q->z_x;
    int ox, o, ky, kx, i;
    tt_act_range(q, &lo, &hi);
    for (ox = 0; ox < wo; ox++) {
        for (o = 0; o < cout; o++) {
            int32_t acc = bias ? bias[o] : 0;
            float m = q->s_x * q->s_w[o] / q->s_y;
            int pass;
            for (ky = 0; ky < kh; ky++) {
                int iy = oy * geo->sh - ph + ky;
                const int8_t *row;
                if (iy < 0 || iy >= h) continue;
                row = ring + (size_t)(iy % ring_rows) * (size_t)w * (size_t)cin;
                for (kx = 0; kx < kw; kx++) {
                    int ix = ox * geo->sw - pw + kx;
                    const int8_t *xp, *wf;
                    if (ix < 0 || ix >= w) continue;
                    xp = row + ix * cin;
                    wf = wt + ((o * kh + ky) * kw + kx) * cin;
                    for (i = 0; i < cin; i++) acc += (int32_t)wf[i] * ((int32_t)xp[i] - z_x);
                }
            }
            y[ox * cout + o] = tt_requant(acc, m, q->z_y, lo, hi, &pass);
        }
    }
}

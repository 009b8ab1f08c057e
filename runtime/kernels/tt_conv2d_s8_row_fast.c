/* Fast output row of a frozen standard int8 conv from a ring of input rows (= tt_conv2d_s8_row):
 * small patches (the stem) one patch per output pixel (tt_conv_patch_fast.h); larger ones the
 * reference loop with the precomputed multipliers. */
#include "tt_internal.h"
#include "tt_fast.h"
#include "tt_conv_patch_fast.h"

void tt_conv2d_s8_row_fast(const int8_t *ring, int ring_rows, int h, int w, int cin,
                           const int8_t *wt, const int32_t *bias, int cout, const tt_conv_geom *geo,
                           const tt_rq *rq, int oy, int8_t *y)
{
    const int kh = geo->kh, kw = geo->kw, n = kh * kw * cin, wo = TT_CONV_OUT_W(geo, w);
    int ox, ky, kx, o, i;
    if (n <= TT_CONV_FAST_MAX_PATCH) {
        tt_patch pt;
        tt_patch_init(&pt, n);
#if TT_RQ4
        if (n > TT_PATCH_PAIR_MAX) {
            tt_patch_row(&pt, ring, ring_rows, h, w, cin, wt, bias, cout, geo, rq, oy, wo, y);
            return;
        }
        /* pixel pairs, each weight word loaded once for both; an odd last pixel alone */
        for (ox = 0; ox + 2 <= wo; ox += 2) tt_patch_pixel_pair(&pt, ring, ring_rows, h, w, cin, wt, bias, cout, geo, rq, oy, ox, ox + 1, y + ox * cout, y + (ox + 1) * cout);
        if (ox < wo) tt_patch_pixel_pair(&pt, ring, ring_rows, h, w, cin, wt, bias, cout, geo, rq, oy, ox, ox, y + ox * cout, y + ox * cout);
#else
        for (ox = 0; ox < wo; ox++) tt_patch_pixel(&pt, ring, ring_rows, h, w, cin, wt, bias, cout, geo, rq, oy, ox, y + ox * cout, 0);
#endif
        return;
    }
    for (ox = 0; ox < wo; ox++) {
        for (o = 0; o < cout; o++) {
            int32_t acc = bias ? bias[o] : 0;
            uint32_t pass;
            for (ky = 0; ky < kh; ky++) {
                const int iy = oy * geo->sh - geo->pt + ky;
                const int8_t *row;
                if (iy < 0 || iy >= h) continue;
                row = ring + (size_t)(iy % ring_rows) * (size_t)w * (size_t)cin;
                for (kx = 0; kx < kw; kx++) {
                    const int ix = ox * geo->sw - geo->pl + kx;
                    const int8_t *xp, *wf;
                    if (ix < 0 || ix >= w) continue;
                    xp = row + ix * cin;
                    wf = wt + ((o * kh + ky) * kw + kx) * cin;
                    for (i = 0; i < cin; i++) acc += (int32_t)wf[i] * ((int32_t)xp[i] - rq->z_x);
                }
            }
            y[ox * cout + o] = (int8_t)tt_requant_fast(acc, rq->m[o], rq->z_y, rq->lo, rq->hi, &pass);
        }
    }
}

/* Fast output row of a frozen depthwise int8 conv from a ring of input rows
 * (= tt_dwconv_s8_row): pixel-major, four channels per pass (tt_dw_row_fast.h). */
#include "tt_internal.h"
#include "tt_fast.h"
#include "tt_dw_row_fast.h"

/* A kernel larger than the row bodies hold: the reference loop, with the precomputed
 * multipliers (a call of its own, so its frame is not added to the bodies'). */
static __attribute__((noinline)) void tt_dw_row_reference(const int8_t *ring, int ring_rows, int h, int w, int c,
                                                    const int8_t *wt, const int32_t *bias, const tt_conv_geom *geo,
                                                    const tt_rq *rq, int oy, int8_t *y)
{
    const int wo = TT_CONV_OUT_W(geo, w);
    int ox, ch, ky, kx;
    for (ch = 0; ch < c; ch++) {
        const int8_t *wc = wt + ch * geo->kh * geo->kw;
        for (ox = 0; ox < wo; ox++) {
            int32_t acc = bias ? bias[ch] : 0;
            uint32_t pass;
            for (ky = 0; ky < geo->kh; ky++) {
                int iy = oy * geo->sh - geo->pt + ky;
                const int8_t *row;
                if (iy < 0 || iy >= h) continue;
                row = ring + (size_t)(iy % ring_rows) * (size_t)w * (size_t)c;
                for (kx = 0; kx < geo->kw; kx++) {
                    int ix = ox * geo->sw - geo->pl + kx;
                    if (ix < 0 || ix >= w) continue;
                    acc += (int32_t)wc[ky * geo->kw + kx] * ((int32_t)row[ix * c + ch] - rq->z_x);
                }
            }
            y[ox * c + ch] = (int8_t)tt_requant_fast(acc, rq->m[ch], rq->z_y, rq->lo, rq->hi, &pass);
        }
    }
}

void tt_dwconv_s8_row_fast(const int8_t *ring, int ring_rows, int h, int w, int c,
                           const int8_t *wt, const int32_t *bias, const tt_conv_geom *geo,
                           const tt_rq *rq, int oy, int8_t *y)
{
    if (!tt_dw_rows_cover(geo)) tt_dw_row_reference(ring, ring_rows, h, w, c, wt, bias, geo, rq, oy, y);
    else TT_DW_SPECIALIZE_FN(geo, tt_dw_row, (ring, ring_rows, h, w, c, wt, bias, geo, rq, oy, y));
}

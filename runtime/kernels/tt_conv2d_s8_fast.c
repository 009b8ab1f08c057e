/* Fast standard int8 conv for small patches (= tt_conv2d_s8 when kh*kw*cin <= 64 and no SRAM
 * weight slice, e.g. the 3-channel stem; any geometry): one patch per output pixel
 * (tt_conv_patch_fast.h). Other shapes, and layers whose weights train, take the reference loop. */
#include "tt_internal.h"
#include "tt_fast.h"
#include "tt_conv_patch_fast.h"

void tt_conv2d_s8_fast(const int8_t *x, int h, int w, int cin,
                       const int8_t *wt, const int8_t *wt_sram, int k,
                       const int32_t *bias, const int32_t *bias_sram,
                       int cout, const tt_conv_geom *geo,
                       const tt_rq *rq, int8_t *y, uint8_t *mask)
{
    const int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    const int n = kh * kw * cin, ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    const int32_t *b = bias_sram ? bias_sram : bias;
    const int32_t z_x = rq->z_x, z_y = rq->z_y, lo = rq->lo, hi = rq->hi;
    tt_patch pt;
    int oy, ox, ky, kx, i, o;
    tt_maskw mw;
    if (n > TT_CONV_FAST_MAX_PATCH || tt_slice_k(wt_sram, k, cin)) {
        /* not a shape for the patch loop: the reference loop, with the precomputed multipliers */
        for (oy = 0; oy < ho; oy++) for (ox = 0; ox < wo; ox++) for (o = 0; o < cout; o++) {
            int32_t acc = b ? b[o] : 0, e = (int32_t)(oy * wo + ox) * cout + o;
            uint32_t pass;
            int kk = tt_slice_k(wt_sram, k, cin);
            for (ky = 0; ky < kh; ky++) {
                int iy = oy * sty - ph + ky;
                if (iy < 0 || iy >= h) continue;
                for (kx = 0; kx < kw; kx++) {
                    int ix = ox * stx - pw + kx;
                    const int8_t *xp, *wf, *ws;
                    if (ix < 0 || ix >= w) continue;
                    xp = x + (iy * w + ix) * cin;
                    wf = wt + ((o * kh + ky) * kw + kx) * cin;
                    ws = kk ? wt_sram + ((o * kh + ky) * kw + kx) * kk : wf;
                    for (i = 0; i < kk; i++) acc += (int32_t)ws[i] * ((int32_t)xp[i] - z_x);
                    for (i = kk; i < cin; i++) acc += (int32_t)wf[i] * ((int32_t)xp[i] - z_x);
                }
            }
            y[e] = (int8_t)tt_requant_fast(acc, rq->m[o], z_y, lo, hi, &pass);
            if (mask) tt_mask_set(mask, e, pass);
        }
        return;
    }
    mw.p = mask; mw.bits = 0; mw.n = 0;
    tt_patch_init(&pt, n);
    for (oy = 0; oy < ho; oy++)
        for (ox = 0; ox < wo; ox++) tt_patch_pixel(&pt, x, h, h, w, cin, wt, b, cout, geo, rq, oy, ox, y + (oy * wo + ox) * cout, mask ? &mw : 0);
    if (mask) tt_maskw_end(&mw);
}

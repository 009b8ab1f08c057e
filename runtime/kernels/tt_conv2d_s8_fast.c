/* Fast standard int8 conv for small patches (= tt_conv2d_s8 when kh*kw*cin <= 64 and no SRAM
 * weight slice, e.g. the 3-channel stem; any geometry): the patch under each output pixel is gathered once
 * with the zero point subtracted (a padded tap is 0, contributing nothing as in the reference),
 * then each output channel is one dot product with its contiguous OHWI weight row. On DSP cores
 * the patch is kept as halfword pairs in the order SXTB16 unpacks a weight word (0,2 then 1,3),
 * so four products take one weight load, two extensions and two SMLAD. Other shapes, and
 * layers whose weights train, take the reference loop. */
#include "tt_internal.h"
#include "tt_fast.h"
#include "tt_simd.h"

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
#if TT_SIMD
    int16_t patch[TT_CONV_FAST_MAX_PATCH];
    const int groups = n / 4;
#else
    int32_t patch[TT_CONV_FAST_MAX_PATCH];
#endif
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
    for (oy = 0; oy < ho; oy++) {
        for (ox = 0; ox < wo; ox++) {
            int8_t *yp = y + (oy * wo + ox) * cout;
            /* gather the patch (ky, kx, i) with x - z_x, 0 outside the input */
            int t = 0;
            for (ky = 0; ky < kh; ky++) {
                int iy = oy * sty - ph + ky;
                for (kx = 0; kx < kw; kx++) {
                    int ix = ox * stx - pw + kx;
                    int inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                    const int8_t *xp = inside ? x + (iy * w + ix) * cin : x;
                    for (i = 0; i < cin; i++, t++) {
                        int32_t v = inside ? (int32_t)xp[i] - z_x : 0;
#if TT_SIMD
                        /* within a group of four: slots 0,1 hold elements 0,2; slots 2,3 elements 1,3 */
                        int g = t & ~3, r = t & 3;
                        patch[t < groups * 4 ? g + ((r & 1) << 1) + (r >> 1) : t] = (int16_t)v;
#else
                        patch[t] = v;
#endif
                    }
                }
            }
            for (o = 0; o < cout; o++) {
                const int8_t *wr = wt + (size_t)o * (size_t)n;
                int32_t acc = b ? b[o] : 0;
                uint32_t pass;
#if TT_SIMD
                int g;
                for (g = 0; g < groups; g++) {
                    uint32_t wv = tt_read_u32(wr + 4 * g), pe, po;
                    memcpy(&pe, patch + 4 * g, 4);
                    memcpy(&po, patch + 4 * g + 2, 4);
                    acc = tt_smlad(tt_sxtb16(wv), pe, acc);
                    acc = tt_smlad(tt_sxtb16_ror8(wv), po, acc);
                }
                for (i = groups * 4; i < n; i++) acc += (int32_t)wr[i] * patch[i];
#else
                for (i = 0; i < n; i++) acc += (int32_t)wr[i] * patch[i];
#endif
                yp[o] = (int8_t)tt_requant_fast(acc, rq->m[o], z_y, lo, hi, &pass);
                if (mask) tt_maskw_put(&mw, pass);
            }
        }
    }
    if (mask) tt_maskw_end(&mw);
}

/*
 * tt_dw_pad4_fast.h - the padded 3 x 3 depthwise body of tt_dw_channel_fast.h, four channels
 * per pass on the SIMD32 path (private; used by tt_dwconv_s8_fast.c and
 * tt_dwconv_s8_inplace_fast.c).
 * Four neighbouring channels of a pixel are one word in HWC: the group is copied once into a
 * word buffer whose border holds z_x in every byte, so every output is an interior one (a
 * padded tap adds w * (z_x - z_x) = 0, what the reference's skipped tap adds). A tap is one
 * load, two SXTAB16 (channels 0,2 and 1,3 as halfword pairs, -z_x added in the same
 * instruction) and four SMLABB / SMLATT against the weights, which are split into those
 * halfword pairs once per group. Reads the group only to copy it, before writing any output,
 * so an in-place caller may pass the same buffer as input and output.
 */
#ifndef TT_DW_PAD4_FAST_H
#define TT_DW_PAD4_FAST_H

#include "tt_dw_channel_fast.h"
#include "tt_dw_row_fast.h"

#if TT_SIMD
/* Channels [ch, ch + 4) of an h x w x c image (x, y at channel ch of pixel 0, pixel stride c),
 * when tt_dw_pads(geo, h, w): y[p*c + j] and mask bit p*c + ch + j for output pixel p. */
static TT_ALWAYS_INLINE void tt_dw4_padded(const int8_t *xin, int h, int w, int c, int ch,
                                           const tt_dw4 *g, const int S,
                                           const tt_conv_geom *geo, const tt_rq *rq,
                                           int8_t *out, uint8_t *mask)
{
    const int pt = geo->pt, pl = geo->pl;
    const int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    const int hp = TT_DW_PAD_H(geo, h, 3, S), wp = TT_DW_PAD_W(geo, w, 3, S);
    const uint32_t off = ((uint32_t)(-rq->z_x) & 0xFFFFu) * 0x10001u; /* -z_x in both halfwords */
    const int32_t z_y = rq->z_y, lo = rq->lo, hi = rq->hi;
    const float *m = rq->m + ch;
    uint32_t pad[TT_DW_PAD_MAX], wv[18];
    int oy, ox, t, r, q;
    /* tap t: channels 0,2 at wv[2t], 1,3 at wv[2t + 1] (one pointer, paired loads) */
    for (t = 0; t < 9; t++) { wv[2 * t] = tt_sxtb16(g->w.word[t]); wv[2 * t + 1] = tt_sxtb16_ror8(g->w.word[t]); }
    {
        /* the copy: all z_x, then the input's rows and columns that the outputs read */
        const uint32_t zw = ((uint32_t)rq->z_x & 0xFFu) * 0x01010101u;
        const int r1 = h + pt < hp ? h + pt : hp, q1 = w + pl < wp ? w + pl : wp;
        for (t = 0; t < hp * wp; t++) pad[t] = zw;
        for (r = pt; r < r1; r++) {
            const int8_t *s = xin + (size_t)((r - pt) * w) * (size_t)c;
            for (q = pl; q < q1; q++) pad[r * wp + q] = tt_read_u32(s + (q - pl) * c);
        }
    }
    for (oy = 0; oy < ho; oy++) {
        const uint32_t *rp = pad + oy * S * wp;
        const int32_t e_row = (int32_t)(oy * wo) * c + ch;
        for (ox = 0; ox < wo; ox++, rp += S) {
            int32_t a0 = g->b[0], a1 = g->b[1], a2 = g->b[2], a3 = g->b[3];
            int ky, kx;
            /* rows looped, taps of a row unrolled: nine unrolled taps make gcc keep a pointer
             * per tap and spill the accumulators */
#pragma GCC unroll 1
            for (ky = 0; ky < 3; ky++) {
                const uint32_t *rr = rp + ky * wp, *wk = wv + 6 * ky;
#pragma GCC unroll 3
                for (kx = 0; kx < 3; kx++) {
                    const uint32_t v = rr[kx], ve = tt_sxtab16(off, v), vo = tt_sxtab16_ror8(off, v);
                    a0 = tt_smlabb(ve, wk[2 * kx], a0); a2 = tt_smlatt(ve, wk[2 * kx], a2);
                    a1 = tt_smlabb(vo, wk[2 * kx + 1], a1); a3 = tt_smlatt(vo, wk[2 * kx + 1], a3);
                }
            }
            tt_dw4_store(a0, a1, a2, a3, m, z_y, lo, hi, out + (size_t)(oy * wo + ox) * (size_t)c,
                         mask, e_row + (int32_t)ox * c);
        }
    }
}

/* Stride 1 and 2, each a function of its own: the word buffer stays out of the callers' frames. */
#define TT_DW4_PADDED_FN(S)                                                                                          \
    static __attribute__((noinline)) void tt_dw4_padded_##S(const int8_t *xin, int h, int w, int c, int ch,          \
                                                            const tt_dw4 *g, const tt_conv_geom *geo, const tt_rq *rq, \
                                                            int8_t *out, uint8_t *mask)                              \
    { tt_dw4_padded(xin, h, w, c, ch, g, S, geo, rq, out, mask); }
TT_DW4_PADDED_FN(1) TT_DW4_PADDED_FN(2)
#undef TT_DW4_PADDED_FN

/* The channel groups [0, c & ~3) of a geometry tt_dw_pads takes, weights and biases as
 * tt_dwconv_s8 reads them; returns the first channel left (c & ~3), 0 when the path is off. */
static TT_ALWAYS_INLINE int tt_dw4_padded_groups(const int8_t *xin, int h, int w, int c,
                                                 const int8_t *wt, const int8_t *wt_sram, int k, const int32_t *b,
                                                 const tt_conv_geom *geo, const tt_rq *rq, int8_t *out, uint8_t *mask)
{
    tt_dw4 g;
    int ch;
    if (!tt_dw_pads(geo, h, w)) return 0;
    for (ch = 0; ch + 4 <= c; ch += 4) {
        tt_dw4_load(&g, wt, wt_sram, k, b, ch, 9);
        if (geo->sh == 1) tt_dw4_padded_1(xin + ch, h, w, c, ch, &g, geo, rq, out + ch, mask);
        else tt_dw4_padded_2(xin + ch, h, w, c, ch, &g, geo, rq, out + ch, mask);
    }
    return ch;
}
#else
/* The plain C build keeps the per-channel bodies. */
#define tt_dw4_padded_groups(xin, h, w, c, wt, wt_sram, k, b, geo, rq, out, mask) 0
#endif

#endif /* TT_DW_PAD4_FAST_H */

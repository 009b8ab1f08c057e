/*
 * tt_dw_pad4_fast.h - a padded K x K depthwise body (K = 3, 5, 7), four channels per pass on
 * the SIMD32 path (private; used by tt_dwconv_s8_fast.c and
 * tt_dwconv_s8_inplace_fast.c).
 * Four neighbouring channels of a pixel are one word in HWC: each input row of the group is
 * copied once, as words, into a ring of K rows whose borders hold z_x in every byte, so every
 * output is an interior one (a padded tap adds w * (z_x - z_x) = 0, what the reference's
 * skipped tap adds). A tap is one load, two SXTAB16 (channels 0,2 and 1,3 as halfword pairs,
 * -z_x added in the same instruction) and four SMLABB / SMLATT against the weights, split into
 * those halfword pairs once per group. Integer sums are exact in any order, requantization is
 * tt_requant_fast: results equal the reference loops' bit for bit.
 */
#ifndef TT_DW_PAD4_FAST_H
#define TT_DW_PAD4_FAST_H

#include "tt_dw_channel_fast.h"
#ifndef TT_DW_ROWS_ONLY
#define TT_DW_ROWS_ONLY 1 /* tt_dw4_load, tt_dw4_store only: no row functions */
#endif
#include "tt_dw_row_fast.h"

#if TT_SIMD
/* Largest ring of padded rows (K rows of the padded width, in words) the body takes: 512 B of
 * stack at most, e.g. a 7 x 7 kernel on rows of 12 pixels or 3 x 3 on 40. */
#define TT_DW4_RING_MAX 128

/* True when tt_dw4_padded_groups takes the geometry: square K x K, K = 3, 5, 7, one stride 1 or
 * 2, K padded rows within TT_DW4_RING_MAX words; in place, also no output row longer than an
 * input row and less than K rows of top padding, so a row is copied before outputs overwrite it. */
static inline int tt_dw4_pads(const tt_conv_geom *geo, int w, int inplace)
{
    const int K = geo->kh, S = geo->sh;
    if (K != geo->kw || S != geo->sw || (S != 1 && S != 2) || (K != 3 && K != 5 && K != 7)) return 0;
    if (inplace && (TT_CONV_OUT_W(geo, w) > w || geo->pt >= K)) return 0;
    return K * TT_DW_PAD_W(geo, w, K, S) <= TT_DW4_RING_MAX;
}

/* Channels [ch, ch + 4) of an h x w x c image (x, y at channel ch of pixel 0, pixel stride c),
 * weights and biases as tt_dwconv_s8 reads them: y[p*c + j] and mask bit p*c + ch + j for output
 * pixel p. Output row oy reads padded rows oy*S .. oy*S + K - 1 from the ring (row r at slot
 * r % K) and first copies the ones no earlier row read. */
static TT_ALWAYS_INLINE void tt_dw4_padded(const int8_t *xin, int h, int w, int c, int ch,
                                           const int8_t *wt, const int8_t *wt_sram, int k, const int32_t *b,
                                           const int K, const int S,
                                           const tt_conv_geom *geo, const tt_rq *rq,
                                           int8_t *out, uint8_t *mask)
{
    const int pt = geo->pt, pl = geo->pl;
    const int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    const int wp = TT_DW_PAD_W(geo, w, K, S), q1 = w + pl < wp ? w + pl : wp;
    const uint32_t off = ((uint32_t)(-rq->z_x) & 0xFFFFu) * 0x10001u; /* -z_x in both halfwords */
    const uint32_t zw = ((uint32_t)rq->z_x & 0xFFu) * 0x01010101u;   /* z_x in every byte */
    uint32_t wv_ring[2 * K * K + K * wp], *const wv = wv_ring, *const ring = wv_ring + 2 * K * K; /* one VLA: one rounding */
    /* no bias: four zeros (no array of the four biases: the stack high-water) */
    static const int32_t zero4[4] = { 0, 0, 0, 0 };
    const int32_t *bj = b ? b + ch : zero4;
    int oy, ox, t, q, j, next = 0;
    for (j = 0; j < 4; j++) {
        /* tap t of channel ch + j: channels 0,2 at wv[2t], 1,3 at wv[2t + 1] (paired loads) */
        const int8_t *wc = ch + j < k ? wt_sram + (ch + j) * K * K : wt + (ch + j) * K * K;
        uint32_t *d = wv + (j & 1);
        const int s = (j & 2) ? 16 : 0;
        for (t = 0; t < K * K; t++) d[2 * t] = (j & 2 ? d[2 * t] : 0) | ((uint32_t)wc[t] & 0xFFFFu) << s;
    }
    for (oy = 0; oy < ho; oy++) {
        const int32_t e_row = (int32_t)(oy * wo) * c + ch;
        int ky;
        for (; next < oy * S + K; next++) {
            /* padded row next: z_x, then the input's columns the outputs read */
            uint32_t *d = ring + (next % K) * wp;
            const int iy = next - pt;
            for (q = 0; q < wp; q++) d[q] = zw;
            if (iy >= 0 && iy < h)
                for (q = pl; q < q1; q++) d[q] = tt_read_u32(xin + (size_t)(iy * w + q - pl) * (size_t)c);
        }
        for (ox = 0; ox < wo; ox++) {
            int32_t a0 = bj[0], a1 = bj[1], a2 = bj[2], a3 = bj[3];
            const uint32_t *rr = ring + ((oy * S) % K) * wp + ox * S, *const end = ring + K * wp;
            int kx;
            /* rows looped (the ring's rows in order, wrapping), taps of a row unrolled: all K*K
             * unrolled make gcc keep a pointer per tap and spill the accumulators */
#pragma GCC unroll 1
            for (ky = 0; ky < K; ky++, rr += wp, rr -= rr >= end ? K * wp : 0) {
                const uint32_t *wk = wv + 2 * K * ky;
#pragma GCC unroll 7
                for (kx = 0; kx < K; kx++) {
                    const uint32_t v = rr[kx], ve = tt_sxtab16(off, v), vo = tt_sxtab16_ror8(off, v);
                    a0 = tt_smlabb(ve, wk[2 * kx], a0); a2 = tt_smlatt(ve, wk[2 * kx], a2);
                    a1 = tt_smlabb(vo, wk[2 * kx + 1], a1); a3 = tt_smlatt(vo, wk[2 * kx + 1], a3);
                }
            }
            /* rq's fields read here, not held: fewer spill slots (the stack high-water) */
            tt_dw4_store(a0, a1, a2, a3, rq->m + ch, rq->z_y, rq->lo, rq->hi, out + (size_t)(oy * wo + ox) * (size_t)c,
                         mask, e_row + (int32_t)ox * c);
        }
    }
}

/* Each kernel size and stride a function of its own: the buffers stay out of the callers' frames. */
#define TT_DW4_PADDED_FN(K, S)                                                                                       \
    static __attribute__((noinline)) void tt_dw4_padded_##K##_##S(const int8_t *xin, int h, int w, int c, int ch,    \
                                                            const int8_t *wt, const int8_t *wt_sram, int k,          \
                                                            const int32_t *b, const tt_conv_geom *geo,               \
                                                            const tt_rq *rq, int8_t *out, uint8_t *mask)             \
    { tt_dw4_padded(xin, h, w, c, ch, wt, wt_sram, k, b, K, S, geo, rq, out, mask); }
TT_DW4_PADDED_FN(3, 1) TT_DW4_PADDED_FN(3, 2) TT_DW4_PADDED_FN(5, 1) TT_DW4_PADDED_FN(5, 2) TT_DW4_PADDED_FN(7, 1) TT_DW4_PADDED_FN(7, 2)
#undef TT_DW4_PADDED_FN

/* The channel groups [0, c & ~3) of a geometry tt_dw4_pads takes, weights and biases as
 * tt_dwconv_s8 reads them; returns the first channel left (c & ~3), 0 when the path is off. */
static TT_ALWAYS_INLINE int tt_dw4_padded_groups(const int8_t *xin, int h, int w, int c,
                                                 const int8_t *wt, const int8_t *wt_sram, int k, const int32_t *b,
                                                 const tt_conv_geom *geo, const tt_rq *rq, int8_t *out, uint8_t *mask,
                                                 int inplace)
{
    const int K = geo->kh, S = geo->sh;
    int ch;
    if (!tt_dw4_pads(geo, w, inplace)) return 0;
    for (ch = 0; ch + 4 <= c; ch += 4) {
#define TT_DW4_CASE(KK, SS) \
        if (K == KK && S == SS) tt_dw4_padded_##KK##_##SS(xin + ch, h, w, c, ch, wt, wt_sram, k, b, geo, rq, out + ch, mask);
        TT_DW4_CASE(3, 1) TT_DW4_CASE(3, 2) TT_DW4_CASE(5, 1) TT_DW4_CASE(5, 2) TT_DW4_CASE(7, 1) TT_DW4_CASE(7, 2)
#undef TT_DW4_CASE
    }
    return ch;
}
#else
/* The plain C build keeps the per-channel bodies. */
#define tt_dw4_padded_groups(xin, h, w, c, wt, wt_sram, k, b, geo, rq, out, mask, inplace) 0
#endif

#endif /* TT_DW_PAD4_FAST_H */

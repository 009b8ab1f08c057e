/*
 * tt_dw_row_fast.h - one output row of a depthwise int8 conv, pixel-major, four channels per
 * pass (private; used by tt_dwconv_s8_row_fast.c).
 * HWC keeps four neighbouring channels of a pixel in one word: one load, two SXTAB16 (channels
 * 0,2 and 1,3 as halfword pairs, the zero point subtracted in the same instruction: x - z_x
 * fits 16 bits) and four SMLABB / SMLATT against the four channels' weights, packed the same
 * way once per group, give four multiply-accumulates. Every output takes the taps inside the
 * input only (the window clipped once per output, not tested per tap); the interior ones, all
 * K taps of a row inside, run the row of taps unrolled. A channel count's last c % 4 channels
 * take a plain loop over the same taps. Integer sums are exact in any order, requantization is
 * tt_requant_fast: results equal the reference loops' bit for bit.
 * With AVX2 eight channels per pass first (tt_dw_row_avx2.h), the rest as above.
 * The caller gives the kernel's input rows (rows[ky], ky in [ky0, ky1) inside the input; the
 * rest is padding), so a whole tensor and a ring of rows share this code.
 */
#ifndef TT_DW_ROW_FAST_H
#define TT_DW_ROW_FAST_H

#include "tt_internal.h"
#include "tt_fast.h"
#include "tt_simd.h"
#include "tt_rq4_fast.h"

#ifndef TT_ALWAYS_INLINE
#define TT_ALWAYS_INLINE inline __attribute__((always_inline))
#endif

/* Largest kernel (kh * kw taps, kh rows) the row bodies hold; larger ones take the plain loop. */
#define TT_DW_ROW_MAX_TAPS 49
#define TT_DW_ROW_MAX_KH 7

#include "tt_avx2.h"
#if TT_AVX2
#include "tt_dw_row_avx2.h"
#endif

/* Four channels' weights and biases, packed once per group: tap t's four weights in one word
 * (the layout of four channels of an input pixel; 196 bytes of stack, not more). */
typedef struct tt_dw4 {
    union { int8_t b[TT_DW_ROW_MAX_TAPS][4]; uint32_t word[TT_DW_ROW_MAX_TAPS]; } w;
    int32_t b[4];
} tt_dw4;

/* wc[j]: channel j's kh*kw weights (j < 4); b: the four biases. */
static TT_ALWAYS_INLINE void tt_dw4_pack(tt_dw4 *g, const int8_t *const wc[4], const int32_t b[4], const int taps)
{
    int j, t;
    for (j = 0; j < 4; j++) g->b[j] = b[j];
    for (t = 0; t < taps; t++)
        for (j = 0; j < 4; j++) g->w.b[t][j] = wc[j][t];
}

/* Tap kx of one kernel row for four channels: r points at channel ch of input column 0, ix is
 * the tap's input column (inside the input). */
#if TT_SIMD
#define TT_DW4_TAP(r, ix, kx, wrow, off)                                                     \
    do {                                                                                     \
        const uint32_t v_ = tt_read_u32((r) + (ix) * c);                                     \
        const uint32_t ve_ = tt_sxtab16((off), v_), vo_ = tt_sxtab16_ror8((off), v_);        \
        const uint32_t wv_ = (wrow)[kx], we_ = tt_sxtb16(wv_), wo_ = tt_sxtb16_ror8(wv_);    \
        a0 = tt_smlabb(ve_, we_, a0); a2 = tt_smlatt(ve_, we_, a2);                          \
        a1 = tt_smlabb(vo_, wo_, a1); a3 = tt_smlatt(vo_, wo_, a3);                          \
    } while (0)
#else
#define TT_DW4_TAP(r, ix, kx, wrow, off)                                                     \
    do {                                                                                     \
        const int8_t *p_ = (r) + (ix) * c;                                                   \
        a0 += (int32_t)(wrow)[kx][0] * ((int32_t)p_[0] - z_x); a1 += (int32_t)(wrow)[kx][1] * ((int32_t)p_[1] - z_x); \
        a2 += (int32_t)(wrow)[kx][2] * ((int32_t)p_[2] - z_x); a3 += (int32_t)(wrow)[kx][3] * ((int32_t)p_[3] - z_x); \
        (void)(off);                                                                         \
    } while (0)
#endif

/* Four channels' sums requantized into yp[0..3], their mask bits e..e+3 when mask != NULL. */
static TT_ALWAYS_INLINE void tt_dw4_store(int32_t a0, int32_t a1, int32_t a2, int32_t a3, const float *m,
                                          int32_t z_y, int32_t lo, int32_t hi, int8_t *yp, uint8_t *mask, int32_t e)
{
    uint32_t p0, p1, p2, p3;
    yp[0] = (int8_t)tt_requant_fast(a0, m[0], z_y, lo, hi, &p0);
    yp[1] = (int8_t)tt_requant_fast(a1, m[1], z_y, lo, hi, &p1);
    yp[2] = (int8_t)tt_requant_fast(a2, m[2], z_y, lo, hi, &p2);
    yp[3] = (int8_t)tt_requant_fast(a3, m[3], z_y, lo, hi, &p3);
    if (!mask) return;
    if ((e & 3) == 0) {
        /* the four bits fill one nibble of one byte */
        uint8_t *mb = mask + (e >> 3);
        const uint32_t s = (uint32_t)e & 4u;
        *mb = (uint8_t)((*mb & ~(0xFu << s)) | ((p0 | p1 << 1 | p2 << 2 | p3 << 3) << s));
    } else {
        tt_mask_set(mask, e, p0); tt_mask_set(mask, e + 1, p1);
        tt_mask_set(mask, e + 2, p2); tt_mask_set(mask, e + 3, p3);
    }
}

/* TT_DW4_STORE: tt_dw4_store, or without a mask on the SIMD32 path the four clamps on halfword
 * pairs (tt_rq4) and one word stored. (A macro, not a branch inside tt_dw4_store: the padded
 * bodies of tt_dw_pad4_fast.h that call tt_dw4_store keep their code as it was.) */
#if TT_RQ4
#define TT_DW4_STORE(a0, a1, a2, a3, m, z_y, lo, hi, yp, mask, e)                                          \
    do {                                                                                                   \
        if (!(mask)) {                                                                                     \
            const uint32_t v_ = tt_rq4(a0, a1, a2, a3, (m)[0], (m)[1], (m)[2], (m)[3], tt_rq4_consts(z_y, lo, hi)); \
            memcpy((yp), &v_, 4);                                                                          \
        } else {                                                                                           \
            tt_dw4_store(a0, a1, a2, a3, m, z_y, lo, hi, yp, mask, e);                                     \
        }                                                                                                  \
    } while (0)
#else
#define TT_DW4_STORE(a0, a1, a2, a3, m, z_y, lo, hi, yp, mask, e) tt_dw4_store(a0, a1, a2, a3, m, z_y, lo, hi, yp, mask, e)
#endif

/*
 * Output row of channels [ch, ch + 4) from the packed group g: y[ox*ys + j] (y at channel ch of
 * output column 0), mask bit em + ox*c + j. Kernel KH x KW, horizontal stride SW, left
 * padding pl, wo output columns.
 */
static TT_ALWAYS_INLINE void tt_dw_row4(const int8_t *const *rows, int ky0, int ky1, int w, int c, int ch,
                                        const tt_dw4 *g, const int KH, const int KW, const int SW, int pl, int wo,
                                        int32_t z_x, const float *m, int32_t z_y, int32_t lo, int32_t hi,
                                        int8_t *y, int ys, uint8_t *mask, int32_t em)
{
#if TT_SIMD
    const uint32_t off = ((uint32_t)(-z_x) & 0xFFFFu) * 0x10001u; /* -z_x in both halfwords */
    /* [oxa, oxb): the outputs whose KW taps of a row all lie inside the input, as one run with
     * no clipping tests (the others clip their window) */
    int oxa = pl > 0 ? (pl + SW - 1) / SW : 0, oxb = w - KW + pl >= 0 ? (w - KW + pl) / SW + 1 : 0;
#else
    const int off = 0;
#endif
    int ox, ky, kx;
    (void)KH;
#if TT_SIMD
    if (oxa > wo) oxa = wo;
    if (oxb > wo) oxb = wo;
    if (oxb < oxa) oxb = oxa;
#endif
    for (ox = 0; ox < wo; ox++) {
        int ix0, kx0, kx1;
        int32_t a0, a1, a2, a3;
#if TT_SIMD
        if (ox == oxa && oxa < oxb) {
            for (; ox < oxb; ox++) {
                const int rb = (ox * SW - pl) * c + ch;
                a0 = g->b[0]; a1 = g->b[1]; a2 = g->b[2]; a3 = g->b[3];
                for (ky = ky0; ky < ky1; ky++) {
                    const int8_t *p = rows[ky] + rb;
                    const uint32_t *wrow = g->w.word + ky * KW;
                    /* one pointer steps a pixel per tap (no per-tap offsets to keep) */
#pragma GCC unroll 7
                    for (kx = 0; kx < KW; kx++, p += c) TT_DW4_TAP(p, 0, kx, wrow, off);
                }
                TT_DW4_STORE(a0, a1, a2, a3, m, z_y, lo, hi, y + ox * ys, mask, em + (int32_t)ox * c);
            }
            if (ox >= wo) break;
        }
#endif
        ix0 = ox * SW - pl;
        kx0 = ix0 < 0 ? -ix0 : 0;
        kx1 = w - ix0 < KW ? w - ix0 : KW;
        a0 = g->b[0]; a1 = g->b[1]; a2 = g->b[2]; a3 = g->b[3];
        for (ky = ky0; ky < ky1; ky++) {
            const int8_t *r = rows[ky] + ch;
#if TT_SIMD
            const uint32_t *wrow = g->w.word + ky * KW;
            for (kx = kx0; kx < kx1; kx++) TT_DW4_TAP(r, ix0 + kx, kx, wrow, off);
#else
            const int8_t (*wrow)[4] = g->w.b + ky * KW;
            if (kx0 == 0 && kx1 == KW) {
#pragma GCC unroll 7
                for (kx = 0; kx < KW; kx++) TT_DW4_TAP(r, ix0 + kx, kx, wrow, off);
            } else {
                for (kx = kx0; kx < kx1; kx++) TT_DW4_TAP(r, ix0 + kx, kx, wrow, off);
            }
#endif
        }
        TT_DW4_STORE(a0, a1, a2, a3, m, z_y, lo, hi, y + ox * ys, mask, em + (int32_t)ox * c);
    }
}

/* Output row of one channel ch (the last c % 4 channels): y[ox*ys], mask bit em + ox*c. */
static TT_ALWAYS_INLINE void tt_dw_row1(const int8_t *const *rows, int ky0, int ky1, int w, int c, int ch,
                                        const int8_t *wc, int32_t b, const int KW, const int SW, int pl, int wo,
                                        int32_t z_x, float m, int32_t z_y, int32_t lo, int32_t hi,
                                        int8_t *y, int ys, uint8_t *mask, int32_t em)
{
    int ox, ky, kx;
    for (ox = 0; ox < wo; ox++) {
        const int ix0 = ox * SW - pl;
        const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = w - ix0 < KW ? w - ix0 : KW;
        int32_t acc = b;
        uint32_t pass;
        for (ky = ky0; ky < ky1; ky++) {
            const int8_t *r = rows[ky] + ch;
            for (kx = kx0; kx < kx1; kx++) acc += (int32_t)wc[ky * KW + kx] * ((int32_t)r[(ix0 + kx) * c] - z_x);
        }
        y[ox * ys] = (int8_t)tt_requant_fast(acc, m, z_y, lo, hi, &pass);
        if (mask) tt_mask_set(mask, em + (int32_t)ox * c, pass);
    }
}

/* The input rows of output row oy: rows[ky] = input row oy*SH - pt + ky at x + (iy % ring_rows)
 * * w * c for ky in [*ky0, *ky1), the rows inside the input. */
static TT_ALWAYS_INLINE void tt_dw_rows_of(const int8_t *x, int ring_rows, int h, int w, int c, int oy,
                                           const int KH, const int SH, int pt,
                                           const int8_t **rows, int *ky0, int *ky1)
{
    const int iy0 = oy * SH - pt;
    int ky;
    *ky0 = iy0 < 0 ? -iy0 : 0;
    *ky1 = h - iy0 < KH ? h - iy0 : KH;
    for (ky = *ky0; ky < *ky1; ky++) rows[ky] = x + (size_t)((iy0 + ky) % ring_rows) * (size_t)w * (size_t)c;
}

/* The group's weights: channel ch + j from the SRAM slice when ch + j < k. */
static TT_ALWAYS_INLINE void tt_dw4_load(tt_dw4 *g, const int8_t *wt, const int8_t *wt_sram,
                                         int k, const int32_t *b, int ch, int taps)
{
    const int8_t *wcs[4];
    int32_t bj[4];
    int j;
    for (j = 0; j < 4; j++) {
        wcs[j] = ch + j < k ? wt_sram + (ch + j) * taps : wt + (ch + j) * taps;
        bj[j] = b ? b[ch + j] : 0;
    }
    tt_dw4_pack(g, wcs, bj, taps);
}

/*
 * Output rows [oy_begin, oy_end) of every channel (y: output row oy_begin, [wo][c] per row; mask
 * bit of y[i] is e0 + i). Input row iy at x + (iy % ring_rows) * w * c: a whole tensor is a
 * ring of h rows. Channels in groups of four, each group's weights packed once for all rows.
 */
static TT_ALWAYS_INLINE void tt_dw_rows_fast(const int8_t *x, int ring_rows, int h, int w, int c,
                                             const int8_t *wt, const int8_t *wt_sram, int k, const int32_t *b,
                                             const tt_conv_geom *geo, const tt_rq *rq, int oy_begin, int oy_end,
                                             int8_t *y, uint8_t *mask, int32_t e0,
                                             const int KH, const int KW, const int SH, const int SW)
{
    const int pt = geo->pt, pl = geo->pl, wo = TT_CONV_OUT_W(geo, w), taps = KH * KW;
    const int32_t z_x = rq->z_x, z_y = rq->z_y, lo = rq->lo, hi = rq->hi;
    const int32_t row_elems = (int32_t)wo * c;
    const int8_t *rows[TT_DW_ROW_MAX_KH];
    int ch = 0, oy, ky0, ky1;
    tt_dw4 g;
#if TT_AVX2
    {
        tt_dw8 g8;
        for (; ch + 8 <= c; ch += 8) {
            tt_dw8_load(&g8, wt, wt_sram, k, b, ch, taps);
            for (oy = oy_begin; oy < oy_end; oy++) {
                const int32_t r = (int32_t)(oy - oy_begin) * row_elems + ch;
                tt_dw_rows_of(x, ring_rows, h, w, c, oy, KH, SH, pt, rows, &ky0, &ky1);
                tt_dw_row8_avx2(rows, ky0, ky1, w, c, ch, &g8, KW, SW, pl, wo, z_x, rq->m + ch, z_y, lo, hi, y + r, c, mask, e0 + r);
            }
        }
    }
#endif
    for (; ch + 4 <= c; ch += 4) {
        tt_dw4_load(&g, wt, wt_sram, k, b, ch, taps);
        for (oy = oy_begin; oy < oy_end; oy++) {
            const int32_t r = (int32_t)(oy - oy_begin) * row_elems + ch;
            tt_dw_rows_of(x, ring_rows, h, w, c, oy, KH, SH, pt, rows, &ky0, &ky1);
            tt_dw_row4(rows, ky0, ky1, w, c, ch, &g, KH, KW, SW, pl, wo, z_x, rq->m + ch, z_y, lo, hi, y + r, c, mask, e0 + r);
        }
    }
    for (; ch < c; ch++) {
        const int8_t *wc = ch < k ? wt_sram + ch * taps : wt + ch * taps;
        const int32_t bc = b ? b[ch] : 0;
        for (oy = oy_begin; oy < oy_end; oy++) {
            const int32_t r = (int32_t)(oy - oy_begin) * row_elems + ch;
            tt_dw_rows_of(x, ring_rows, h, w, c, oy, KH, SH, pt, rows, &ky0, &ky1);
            tt_dw_row1(rows, ky0, ky1, w, c, ch, wc, bc, KW, SW, pl, wo, z_x, rq->m[ch], z_y, lo, hi, y + r, c, mask, e0 + r);
        }
    }
}

/* The geometries the row bodies hold: at most TT_DW_ROW_MAX_KH rows and TT_DW_ROW_MAX_TAPS taps. */
static TT_ALWAYS_INLINE int tt_dw_rows_cover(const tt_conv_geom *geo)
{
    return geo->kh <= TT_DW_ROW_MAX_KH && geo->kh * geo->kw <= TT_DW_ROW_MAX_TAPS;
}

/* Calls PREFIX_K_S ARGS for square K = 3, 5, 7 at stride S = 1 or 2 on both axes, else
 * PREFIX_any ARGS. */
#define TT_DW_SPECIALIZE_FN(geo, PREFIX, ARGS)                                                   \
    do {                                                                                         \
        const int kh_ = (geo)->kh, kw_ = (geo)->kw, sh_ = (geo)->sh, sw_ = (geo)->sw;            \
        const int sq_ = kh_ == kw_ && sh_ == sw_;                                                \
        if (sq_ && kh_ == 3 && sh_ == 1) PREFIX##_3_1 ARGS;                                      \
        else if (sq_ && kh_ == 3 && sh_ == 2) PREFIX##_3_2 ARGS;                                 \
        else if (sq_ && kh_ == 5 && sh_ == 1) PREFIX##_5_1 ARGS;                                 \
        else if (sq_ && kh_ == 5 && sh_ == 2) PREFIX##_5_2 ARGS;                                 \
        else if (sq_ && kh_ == 7 && sh_ == 1) PREFIX##_7_1 ARGS;                                 \
        else if (sq_ && kh_ == 7 && sh_ == 2) PREFIX##_7_2 ARGS;                                 \
        else PREFIX##_any ARGS;                                                                  \
    } while (0)

/* Defines the seven functions TT_DW_SPECIALIZE_FN calls: FN(PREFIX_K_S, KH, KW, SH, SW) for each
 * specialization and FN(PREFIX_any, ...) with the geometry's own values. */
#define TT_DW_SPECIALIZATIONS(FN, PREFIX)                   \
    FN(PREFIX##_3_1, 3, 3, 1, 1)                            \
    FN(PREFIX##_3_2, 3, 3, 2, 2)                            \
    FN(PREFIX##_5_1, 5, 5, 1, 1)                            \
    FN(PREFIX##_5_2, 5, 5, 2, 2)                            \
    FN(PREFIX##_7_1, 7, 7, 1, 1)                            \
    FN(PREFIX##_7_2, 7, 7, 2, 2)                            \
    FN(PREFIX##_any, geo->kh, geo->kw, geo->sh, geo->sw)

#ifndef TT_DW_ROWS_ONLY /* (a file that wants tt_dw_rows_fast only: no row functions) */
/* Output row oy of a frozen layer read from a ring (no slice, no mask), one function per
 * specialization (noinline: each has its own frame, so the stack a call takes is one body's,
 * not the sum of all seven; the constants leave the mask code out). */
#define TT_DW_ROW_FN(NAME, KH, KW, SH, SW)                                                                   \
    static __attribute__((noinline)) void NAME(const int8_t *x, int ring_rows, int h, int w, int c,       \
                                               const int8_t *wt, const int32_t *b, const tt_conv_geom *geo, \
                                               const tt_rq *rq, int oy, int8_t *y)                        \
    {                                                                                                      \
        tt_dw_rows_fast(x, ring_rows, h, w, c, wt, 0, 0, b, geo, rq, oy, oy + 1, y, 0, 0, KH, KW, SH, SW); \
    }
TT_DW_SPECIALIZATIONS(TT_DW_ROW_FN, tt_dw_row)
#undef TT_DW_ROW_FN
#endif /* TT_DW_ROWS_ONLY */

#endif /* TT_DW_ROW_FAST_H */

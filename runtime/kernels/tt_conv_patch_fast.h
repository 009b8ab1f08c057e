/*
 * tt_conv_patch_fast.h - one output pixel of a standard int8 conv with a small patch
 * (kh*kw*cin <= TT_CONV_FAST_MAX_PATCH) and weights in flash (private; used by
 * tt_conv2d_s8_fast.c and tt_conv2d_s8_row_fast.c): the patch under the pixel gathered once
 * with the zero point subtracted (a padded tap is 0, contributing nothing as in the reference),
 * then each output channel is one dot product with its contiguous OHWI weight row. On DSP cores
 * the patch is kept as halfword pairs in the order SXTB16 unpacks a weight word (0,2 then 1,3),
 * so four products take one weight load, two extensions and two SMLAD; with AVX2 eight channels
 * per pass (tt_conv_patch_avx2.h). Integer sums are exact
 * in any order: results equal the reference loop's.
 */
#ifndef TT_CONV_PATCH_FAST_H
#define TT_CONV_PATCH_FAST_H

#include "tt_internal.h"
#include "tt_fast.h"
#include "tt_simd.h"
#include "tt_rq4_fast.h"
#include "tt_avx2.h"
#if TT_AVX2
#include "tt_conv_patch_avx2.h"
#endif

typedef struct tt_patch {
    int n;                                /* kh * kw * cin */
    uint8_t slot[TT_CONV_FAST_MAX_PATCH]; /* where patch element t is kept */
} tt_patch;

static inline void tt_patch_init(tt_patch *pt, int n)
{
    int t;
    pt->n = n;
    for (t = 0; t < n; t++) {
#if TT_SIMD
        /* within a whole group of four: slots 0,1 hold elements 0,2; slots 2,3 elements 1,3 */
        const int g = t & ~3, r = t & 3;
        pt->slot[t] = (uint8_t)(t < (n & ~3) ? g + ((r & 1) << 1) + (r >> 1) : t);
#else
        pt->slot[t] = (uint8_t)t;
#endif
    }
}

/*
 * The cout outputs of output pixel (oy, ox) (yp: [cout]); input row iy ([w][cin]) at
 * x + (iy % ring_rows) * w * cin, so a whole tensor is a ring of h rows.
 */
static inline void tt_patch_pixel(const tt_patch *pt, const int8_t *x, int ring_rows, int h, int w, int cin,
                                  const int8_t *wt, const int32_t *b, int cout, const tt_conv_geom *geo,
                                  const tt_rq *rq, int oy, int ox, int8_t *yp, tt_maskw *mw)
{
    const int n = pt->n, kh = geo->kh, kw = geo->kw;
    const int32_t z_x = rq->z_x, z_y = rq->z_y, lo = rq->lo, hi = rq->hi;
#if TT_SIMD
    int16_t patch[TT_CONV_FAST_MAX_PATCH];
    const int groups = n / 4;
#elif TT_AVX2
    int16_t patch[TT_CONV_FAST_MAX_PATCH + 16]; /* zeros past n for the 16-lane loads */
#else
    int32_t patch[TT_CONV_FAST_MAX_PATCH];
#endif
    int ky, kx, i, o, t = 0;
    for (ky = 0; ky < kh; ky++) {
        const int iy = oy * geo->sh - geo->pt + ky;
        const int8_t *row = iy >= 0 && iy < h ? x + (size_t)(iy % ring_rows) * (size_t)w * (size_t)cin : 0;
        for (kx = 0; kx < kw; kx++) {
            const int ix = ox * geo->sw - geo->pl + kx;
            const int8_t *xp = row && ix >= 0 && ix < w ? row + ix * cin : 0;
            if (xp) for (i = 0; i < cin; i++, t++) patch[pt->slot[t]] = (int16_t)((int32_t)xp[i] - z_x);
            else for (i = 0; i < cin; i++, t++) patch[pt->slot[t]] = 0;
        }
    }
    o = 0;
#if TT_AVX2
    memset(patch + n, 0, 16 * sizeof patch[0]);
    tt_patch_dot_avx2(patch, n, wt, b, cout, rq, yp, mw);
    return;
#endif
#if TT_SIMD
    /* two output channels per pass: each patch word loaded once for both */
    for (; o + 2 <= cout; o += 2) {
        const int8_t *w0 = wt + (size_t)o * (size_t)n, *w1 = w0 + n;
        int32_t a0 = b ? b[o] : 0, a1 = b ? b[o + 1] : 0;
        uint32_t pass;
        int g;
        for (g = 0; g < groups; g++) {
            const uint32_t u = tt_read_u32(w0 + 4 * g), v = tt_read_u32(w1 + 4 * g);
            uint32_t pe, po;
            memcpy(&pe, patch + 4 * g, 4);
            memcpy(&po, patch + 4 * g + 2, 4);
            a0 = tt_smlad(tt_sxtb16(u), pe, a0); a0 = tt_smlad(tt_sxtb16_ror8(u), po, a0);
            a1 = tt_smlad(tt_sxtb16(v), pe, a1); a1 = tt_smlad(tt_sxtb16_ror8(v), po, a1);
        }
        for (i = groups * 4; i < n; i++) { a0 += (int32_t)w0[i] * patch[i]; a1 += (int32_t)w1[i] * patch[i]; }
        yp[o] = (int8_t)tt_requant_fast(a0, rq->m[o], z_y, lo, hi, &pass);
        if (mw) tt_maskw_put(mw, pass);
        yp[o + 1] = (int8_t)tt_requant_fast(a1, rq->m[o + 1], z_y, lo, hi, &pass);
        if (mw) tt_maskw_put(mw, pass);
    }
#endif
    for (; o < cout; o++) {
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
        if (mw) tt_maskw_put(mw, pass);
    }
}

#if TT_RQ4
/* Two output pixels at once (the streamed stem, no mask): each patch gathered as
 * tt_patch_pixel gathers it, then two output channels x two pixels per pass, so a weight word
 * serves both pixels; the four sums requantized together (tt_rq4). Same sums and results as
 * tt_patch_pixel for each pixel. */
static inline void tt_patch_gather(const tt_patch *pt, const int8_t *x, int ring_rows, int h, int w, int cin,
                                   const tt_conv_geom *geo, int32_t z_x, int oy, int ox, int16_t *patch)
{
    const int kh = geo->kh, kw = geo->kw;
    int ky, kx, i, t = 0;
    for (ky = 0; ky < kh; ky++) {
        const int iy = oy * geo->sh - geo->pt + ky;
        const int8_t *row = iy >= 0 && iy < h ? x + (size_t)(iy % ring_rows) * (size_t)w * (size_t)cin : 0;
        for (kx = 0; kx < kw; kx++) {
            const int ix = ox * geo->sw - geo->pl + kx;
            const int8_t *xp = row && ix >= 0 && ix < w ? row + ix * cin : 0;
            if (xp) for (i = 0; i < cin; i++, t++) patch[pt->slot[t]] = (int16_t)((int32_t)xp[i] - z_x);
            else for (i = 0; i < cin; i++, t++) patch[pt->slot[t]] = 0;
        }
    }
}

/* A word of two patch halfwords (the patch buffer is int16_t: read through memcpy). */
static inline uint32_t tt_patch_word(const int16_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Largest patch the pixel pair holds (two patches of it on the stack: 128 B). */
#define TT_PATCH_PAIR_MAX 32

/* Output pixels (oy, oxa) and (oy, oxb) into ya and yb ([cout] each), weights from flash,
 * n <= TT_PATCH_PAIR_MAX. One pixel: oxb = oxa and yb = ya (the same bytes stored twice). Both
 * patches in one fixed buffer (a VLA would take a frame pointer, a register the loop needs). */
static __attribute__((noinline, unused)) void tt_patch_pixel_pair(const tt_patch *pt, const int8_t *x, int ring_rows, int h, int w,
                                                          int cin, const int8_t *wt, const int32_t *b, int cout,
                                                          const tt_conv_geom *geo, const tt_rq *rq, int oy, int oxa, int oxb,
                                                          int8_t *ya, int8_t *yb)
{
    enum { np = TT_PATCH_PAIR_MAX };
    const int n = pt->n, groups = n / 4;
    const tt_rq4c k = tt_rq4_consts(rq->z_y, rq->lo, rq->hi);
    const float *m = rq->m;
    int16_t pp[2 * np] __attribute__((aligned(4)));
    const int16_t *const pah = pp, *const pbh = pp + np;
    int o, i;
    tt_patch_gather(pt, x, ring_rows, h, w, cin, geo, rq->z_x, oy, oxa, pp);
    tt_patch_gather(pt, x, ring_rows, h, w, cin, geo, rq->z_x, oy, oxb, pp + np);
    for (o = 0; o + 2 <= cout; o += 2) {
        const int8_t *w0 = wt + (size_t)o * (size_t)n, *w1 = w0 + n;
        int32_t a0 = b ? b[o] : 0, a1 = b ? b[o + 1] : 0, b0 = a0, b1 = a1;
        uint32_t v;
        uint16_t v0, v1;
        for (i = 0; i < 4 * groups; i += 4) {
            const uint32_t u = tt_read_u32(w0 + i), t = tt_read_u32(w1 + i);
            const uint32_t ue = tt_sxtb16(u), uo = tt_sxtb16_ror8(u), te = tt_sxtb16(t), to = tt_sxtb16_ror8(t);
            const uint32_t pae = tt_patch_word(pah + i), pao = tt_patch_word(pah + i + 2);
            const uint32_t pbe = tt_patch_word(pbh + i), pbo = tt_patch_word(pbh + i + 2);
            a0 = tt_smlad(ue, pae, a0); a0 = tt_smlad(uo, pao, a0);
            a1 = tt_smlad(te, pae, a1); a1 = tt_smlad(to, pao, a1);
            b0 = tt_smlad(ue, pbe, b0); b0 = tt_smlad(uo, pbo, b0);
            b1 = tt_smlad(te, pbe, b1); b1 = tt_smlad(to, pbo, b1);
        }
        for (; i < n; i++) {
            const int32_t u = w0[i], t = w1[i];
            a0 += u * pah[i]; a1 += t * pah[i]; b0 += u * pbh[i]; b1 += t * pbh[i];
        }
        /* bytes: ya[o], ya[o + 1], yb[o], yb[o + 1] */
        v = tt_rq4(a0, a1, b0, b1, m[o], m[o + 1], m[o], m[o + 1], k);
        v0 = (uint16_t)v; v1 = (uint16_t)(v >> 16);
        memcpy(ya + o, &v0, 2);
        memcpy(yb + o, &v1, 2);
    }
    if (o < cout) {
        /* an odd last channel: whole groups in the patch's paired order, the rest one by one */
        const int8_t *wr = wt + (size_t)o * (size_t)n;
        int32_t a0 = b ? b[o] : 0, b0 = a0;
        uint32_t pass;
        for (i = 0; i < 4 * groups; i += 4) {
            const uint32_t u = tt_read_u32(wr + i), ue = tt_sxtb16(u), uo = tt_sxtb16_ror8(u);
            a0 = tt_smlad(ue, tt_patch_word(pah + i), a0); a0 = tt_smlad(uo, tt_patch_word(pah + i + 2), a0);
            b0 = tt_smlad(ue, tt_patch_word(pbh + i), b0); b0 = tt_smlad(uo, tt_patch_word(pbh + i + 2), b0);
        }
        for (; i < n; i++) { a0 += (int32_t)wr[i] * pah[i]; b0 += (int32_t)wr[i] * pbh[i]; }
        ya[o] = (int8_t)tt_requant_fast(a0, m[o], rq->z_y, rq->lo, rq->hi, &pass);
        yb[o] = (int8_t)tt_requant_fast(b0, m[o], rq->z_y, rq->lo, rq->hi, &pass);
    }
}

/* Output pixels [0, wo) of row oy one by one (tt_patch_pixel, no mask), a function of its own so
 * that its patch buffer is not in its caller's frame. */
static __attribute__((noinline, unused)) void tt_patch_row(const tt_patch *pt, const int8_t *x, int ring_rows, int h, int w,
                                                   int cin, const int8_t *wt, const int32_t *b, int cout,
                                                   const tt_conv_geom *geo, const tt_rq *rq, int oy, int wo, int8_t *y)
{
    int ox;
    for (ox = 0; ox < wo; ox++) tt_patch_pixel(pt, x, ring_rows, h, w, cin, wt, b, cout, geo, rq, oy, ox, y + ox * cout, 0);
}
#endif

#endif /* TT_CONV_PATCH_FAST_H */

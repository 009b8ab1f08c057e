/*
 * tt_dw_channel_fast.h - one depthwise output channel with the kernel size K and stride S as
 * compile-time constants and the padding from the geometry (private; used by
 * tt_dwconv_s8_fast.c and tt_dwconv_s8_inplace_fast.c).
 * Interior outputs, whose taps all lie inside the input, take an unrolled loop with the zero
 * point folded into the bias (sum w*(x - z) = sum w*x - z*sum w, exact in int32); border
 * outputs loop over the taps inside the input only (the window clipped once per output, not
 * tested per tap). Integer sums are exact in any order: results equal tt_dw_channel_s8's.
 */
#ifndef TT_DW_CHANNEL_FAST_H
#define TT_DW_CHANNEL_FAST_H

#include <string.h>
#include "tt_internal.h"
#include "tt_simd.h"

#define TT_ALWAYS_INLINE inline __attribute__((always_inline))

/* Largest zero-point-padded copy of a channel (bytes, on the stack) the padded body takes:
 * covers small images, where border outputs are most of the work; larger ones clip per output.
 * Only 3x3 kernels take it (their rows are one word each), in a function of its own, so the
 * buffer never adds to another body's stack frame (the firmware's stack high-water). */
#define TT_DW_PAD_MAX 128
/* Bytes past the copy that a 3-tap row's word load may read (its fourth byte is never used). */
#define TT_DW_PAD_SLACK 1

/* Rows and columns of input (padding included) the outputs of a K x K, stride S body read. */
#define TT_DW_PAD_H(geo, h, K, S) ((TT_CONV_OUT_H(geo, h) - 1) * (S) + (K))
#define TT_DW_PAD_W(geo, w, K, S) ((TT_CONV_OUT_W(geo, w) - 1) * (S) + (K))

/* True when tt_dw_channel_dispatch will take the padded body: it reads the input channel only
 * to copy it, before it writes any output, so an in-place caller may pass the channel itself. */
static inline int tt_dw_pads(const tt_conv_geom *geo, int h, int w)
{
    const int K = geo->kh, S = geo->sh;
    if (K != geo->kw || S != geo->sw || (S != 1 && S != 2) || K != 3) return 0;
    return TT_DW_PAD_H(geo, h, K, S) * TT_DW_PAD_W(geo, w, K, S) <= TT_DW_PAD_MAX;
}

/* The padded body (K = 3): the channel copied once into a buffer whose border holds z_x, so
 * every output is an interior one (a padded tap adds w * (z_x - z_x) = 0, exactly what the
 * reference's skipped tap adds). All nine taps unrolled, the zero point folded into the bias. */
static TT_ALWAYS_INLINE void tt_dw_channel_padded(const int8_t *xin, const int xs, int h, int w,
                                                  const int8_t *wc, int32_t b, const int K, const int S,
                                                  const tt_conv_geom *geo,
                                                  int32_t z_x, float m, int32_t z_y, int32_t lo, int32_t hi,
                                                  int8_t *out, int os, uint8_t *mask, int mofs)
{
    const int pt = geo->pt, pl = geo->pl;
    const int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    const int hp = TT_DW_PAD_H(geo, h, K, S), wp = TT_DW_PAD_W(geo, w, K, S);
    int8_t pad[TT_DW_PAD_MAX + TT_DW_PAD_SLACK];
    int32_t wk[9], wsum = 0, bz;
    int oy, ox, t, r, q;
    const int col = mask && (os & 7) == 0;
#if TT_SIMD
    /* a 3 x 3 kernel's rows as halfword pairs: (w0, w2) and (w1, 0) */
    uint32_t w02[3], w1[3];
#endif
    for (t = 0; t < K * K; t++) { wk[t] = wc[t]; wsum += wk[t]; }
    bz = b - z_x * wsum;
#if TT_SIMD
    {
        for (r = 0; r < 3; r++) {
            w02[r] = ((uint32_t)wk[3 * r] & 0xFFFFu) | ((uint32_t)wk[3 * r + 2] << 16);
            w1[r] = (uint32_t)wk[3 * r + 1] & 0xFFFFu;
        }
    }
#endif
    {
        /* the copy: all z_x, then the input's rows and columns that the outputs read */
        const int r0 = pt, r1 = h + pt < hp ? h + pt : hp, q0 = pl, q1 = w + pl < wp ? w + pl : wp;
        memset(pad, (int)(int8_t)z_x, (size_t)(hp * wp + TT_DW_PAD_SLACK));
        for (r = r0; r < r1; r++) {
            const int8_t *s = xin + (size_t)((r - pt) * w + (q0 - pl)) * (size_t)xs;
            int8_t *d = pad + r * wp;
            for (q = q0; q < q1; q++, s += xs) d[q] = *s;
        }
    }
    for (oy = 0; oy < ho; oy++) {
        const int8_t *rp = pad + oy * S * wp;
        int32_t em = (int32_t)(oy * wo) * os + mofs;
        int8_t *o = out + (size_t)(oy * wo) * (size_t)os;
        /* a row's mask bits lie os apart: with os % 8 == 0, at one position in their bytes */
        tt_maskcol mc = { 0, 0, 0, 0 };
        if (col) mc = tt_maskcol_at(mask, em, os);
        for (ox = 0; ox < wo; ox++, rp += S, o += os, em += os) {
            int32_t acc = bz;
            uint32_t pass;
#if TT_SIMD
            {
                /* a row's three taps from one word: bytes 0 and 2 (SXTB16) against the packed
                 * weights 0 and 2 (SMLAD), byte 1 (SXTB16 ROR 8, bottom half) against weight 1 */
                const uint32_t x0 = tt_read_u32(rp), x1 = tt_read_u32(rp + wp), x2 = tt_read_u32(rp + 2 * wp);
                acc = tt_smlad(w02[0], tt_sxtb16(x0), acc); acc = tt_smlabb(w1[0], tt_sxtb16_ror8(x0), acc);
                acc = tt_smlad(w02[1], tt_sxtb16(x1), acc); acc = tt_smlabb(w1[1], tt_sxtb16_ror8(x1), acc);
                acc = tt_smlad(w02[2], tt_sxtb16(x2), acc); acc = tt_smlabb(w1[2], tt_sxtb16_ror8(x2), acc);
            }
#else
            acc += wk[0] * (int32_t)rp[0] + wk[1] * (int32_t)rp[1] + wk[2] * (int32_t)rp[2];
            acc += wk[3] * (int32_t)rp[wp] + wk[4] * (int32_t)rp[wp + 1] + wk[5] * (int32_t)rp[wp + 2];
            acc += wk[6] * (int32_t)rp[2 * wp] + wk[7] * (int32_t)rp[2 * wp + 1] + wk[8] * (int32_t)rp[2 * wp + 2];
#endif
            *o = (int8_t)tt_requant_fast(acc, m, z_y, lo, hi, &pass);
            if (col) tt_maskcol_put(&mc, pass);
            else if (mask) tt_mask_set(mask, em, pass);
        }
    }
}

/* The padded body for stride 1 and 2, each a function of its own (see TT_DW_PAD_MAX). */
static __attribute__((noinline)) void tt_dw_channel_padded_3_1(const int8_t *xin, int xs, int h, int w, const int8_t *wc, int32_t b,
                                                               const tt_conv_geom *geo, int32_t z_x, float m, int32_t z_y, int32_t lo, int32_t hi,
                                                               int8_t *out, int os, uint8_t *mask, int mofs)
{
    tt_dw_channel_padded(xin, xs, h, w, wc, b, 3, 1, geo, z_x, m, z_y, lo, hi, out, os, mask, mofs);
}
static __attribute__((noinline)) void tt_dw_channel_padded_3_2(const int8_t *xin, int xs, int h, int w, const int8_t *wc, int32_t b,
                                                               const tt_conv_geom *geo, int32_t z_x, float m, int32_t z_y, int32_t lo, int32_t hi,
                                                               int8_t *out, int os, uint8_t *mask, int mofs)
{
    tt_dw_channel_padded(xin, xs, h, w, wc, b, 3, 2, geo, z_x, m, z_y, lo, hi, out, os, mask, mofs);
}

static TT_ALWAYS_INLINE void tt_dw_channel_fast(const int8_t *xin, const int xs, int h, int w,
                                                const int8_t *wc, int32_t b, const int K, const int S,
                                                const tt_conv_geom *geo,
                                                int32_t z_x, float m, int32_t z_y, int32_t lo, int32_t hi,
                                                int8_t *out, int os, uint8_t *mask, int mofs)
{
    const int pt = geo->pt, pl = geo->pl;
    const int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    /* interior rows [oy0, oy1) and columns [ox0, ox1): oy*S - pt >= 0 and oy*S - pt + K - 1 < h */
    const int oy0 = pt > 0 ? (pt + S - 1) / S : 0, ox0 = pl > 0 ? (pl + S - 1) / S : 0;
    int oy1 = h - K + pt >= 0 ? (h - K + pt) / S + 1 : 0, ox1 = w - K + pl >= 0 ? (w - K + pl) / S + 1 : 0;
    int32_t wk[49], wsum = 0, bz;
    int oy, ox, ky, kx, t;
    if (oy1 > ho) oy1 = ho;
    if (ox1 > wo) ox1 = wo;
    for (t = 0; t < K * K; t++) { wk[t] = wc[t]; wsum += wk[t]; }
    bz = b - z_x * wsum;
    for (oy = 0; oy < ho; oy++) {
        const int row_inside = oy >= oy0 && oy < oy1;
        /* the rows of taps inside the input: [ky0, ky1) */
        const int iy0 = oy * S - pt;
        const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = h - iy0 < K ? h - iy0 : K;
        const int32_t e_row = (int32_t)(oy * wo) * os;
        for (ox = 0; ox < wo; ox++) {
            int32_t acc;
            uint32_t pass;
            const int32_t e = e_row + (int32_t)ox * os;
            if (row_inside && ox == ox0 && ox1 > ox0) {
                /* the interior run of this row: unrolled taps, pointers stepped by S */
                const int8_t *r = xin + ((oy * S - pt) * w + (ox0 * S - pl)) * xs;
                int8_t *o = out + e;
                const int32_t n = ox1 - ox0;
                int32_t j, em = e + mofs;
                /* the run's mask bits lie os apart: with os % 8 == 0, at one position in their bytes */
                const int col = mask && (os & 7) == 0;
                tt_maskcol mc = { 0, 0, 0, 0 };
                if (col) mc = tt_maskcol_at(mask, em, os);
                for (j = 0; j < n; j++, r += S * xs, o += os, em += os) {
                    acc = bz;
                    /* the K taps of a row unrolled, rows looped: K*K unrolled costs more compile time than it saves */
                    for (ky = 0; ky < K; ky++) {
#pragma GCC unroll 7
                        for (kx = 0; kx < K; kx++) acc += wk[ky * K + kx] * (int32_t)r[(ky * w + kx) * xs];
                    }
                    *o = (int8_t)tt_requant_fast(acc, m, z_y, lo, hi, &pass);
                    if (col) tt_maskcol_put(&mc, pass);
                    else if (mask) tt_mask_set(mask, em, pass);
                }
                ox = ox1 - 1;
                continue;
            }
            {
                /* a border output: only the taps inside the input, no test per tap */
                const int ix0 = ox * S - pl;
                const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = w - ix0 < K ? w - ix0 : K;
                acc = b;
                for (ky = ky0; ky < ky1; ky++) {
                    const int base = (iy0 + ky) * w + ix0;
                    for (kx = kx0; kx < kx1; kx++) acc += wk[ky * K + kx] * ((int32_t)xin[(base + kx) * xs] - z_x);
                }
            }
            out[e] = (int8_t)tt_requant_fast(acc, m, z_y, lo, hi, &pass);
            if (mask) tt_mask_set(mask, e + mofs, pass);
        }
    }
}

/* Each specialized clipping body a function of its own too: the caller's frame stays small, so
 * the deepest stack is one body's frame, not the sum of every inlined one. */
#define TT_DW_CLIP_FN(K, S) \
    static __attribute__((noinline)) void tt_dw_channel_clip_##K##_##S(const int8_t *xin, int xs, int h, int w, const int8_t *wc, int32_t b, \
                                                                       const tt_conv_geom *geo, int32_t z_x, float m, int32_t z_y, int32_t lo, int32_t hi, \
                                                                       int8_t *out, int os, uint8_t *mask, int mofs) \
    { tt_dw_channel_fast(xin, xs, h, w, wc, b, K, S, geo, z_x, m, z_y, lo, hi, out, os, mask, mofs); }
TT_DW_CLIP_FN(3, 1) TT_DW_CLIP_FN(3, 2) TT_DW_CLIP_FN(5, 1) TT_DW_CLIP_FN(5, 2) TT_DW_CLIP_FN(7, 1) TT_DW_CLIP_FN(7, 2)
#undef TT_DW_CLIP_FN

/* Dispatch on the geometry to a specialized body: square K x K (3, 5, 7), the same stride S
 * (1, 2) on both axes, any padding; 0 when the geometry has none. */
static TT_ALWAYS_INLINE int tt_dw_channel_dispatch(const int8_t *xin, const int xs, int h, int w,
                                                   const int8_t *wc, int32_t b, const tt_conv_geom *geo,
                                                   int32_t z_x, float m, int32_t z_y, int32_t lo, int32_t hi,
                                                   int8_t *out, int os, uint8_t *mask, int mofs)
{
    const int kh = geo->kh, stride = geo->sh;
    if (kh != geo->kw || stride != geo->sw || (stride != 1 && stride != 2)) return 0;
    if (tt_dw_pads(geo, h, w)) {
        if (stride == 1) tt_dw_channel_padded_3_1(xin, xs, h, w, wc, b, geo, z_x, m, z_y, lo, hi, out, os, mask, mofs);
        else tt_dw_channel_padded_3_2(xin, xs, h, w, wc, b, geo, z_x, m, z_y, lo, hi, out, os, mask, mofs);
        return 1;
    }
#define TT_DW_CASE(K, S) \
    if (kh == K && stride == S) { tt_dw_channel_clip_##K##_##S(xin, xs, h, w, wc, b, geo, z_x, m, z_y, lo, hi, out, os, mask, mofs); return 1; }
    TT_DW_CASE(3, 1) TT_DW_CASE(3, 2) TT_DW_CASE(5, 1) TT_DW_CASE(5, 2) TT_DW_CASE(7, 1) TT_DW_CASE(7, 2)
#undef TT_DW_CASE
    return 0;
}

#endif /* TT_DW_CHANNEL_FAST_H */

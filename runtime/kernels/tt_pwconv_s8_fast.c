/* Fast pointwise int8 conv (= tt_pwconv_s8): two pixels x two output channels per pass, so each
 * weight word serves two pixels and each input word two channels. On DSP cores four products
 * take SXTB16/SXTAB16 (sign extension, zero point added in the same instruction) and two SMLAD;
 * with AVX2 (the host trainer) VPMADDWD on two pixels x four channels (tt_pw_avx2.h); elsewhere
 * plain C the compiler vectorizes. Integer sums are exact in any order, and the
 * requantization is tt_requant_fast, so outputs and masks equal the reference bit for bit. */
#include "tt_internal.h"
#include "tt_fast.h"
#include "tt_simd.h"
#include "tt_rq4_fast.h"
#include "tt_avx2.h"
#if TT_AVX2
#include "tt_pw_avx2.h"
#endif

/* acc[0..3] += sum_i w0[i]*(x0[i]-z), w1[i]*(x0[i]-z), w0[i]*(x1[i]-z), w1[i]*(x1[i]-z), i < n */
static inline void tt_dot2x2(const int8_t *x0, const int8_t *x1, const int8_t *w0, const int8_t *w1,
                             int n, int32_t z_x, int32_t *acc)
{
    int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
    int i = 0;
#if TT_SIMD
    const uint32_t off = ((uint32_t)(-z_x) & 0xFFFFu) * 0x10001u; /* -z_x in both halfwords */
    for (; i + 4 <= n; i += 4) {
        uint32_t xa = tt_read_u32(x0 + i), xb = tt_read_u32(x1 + i);
        uint32_t wa = tt_read_u32(w0 + i), wb = tt_read_u32(w1 + i);
        uint32_t x0e = tt_sxtab16(off, xa), x0o = tt_sxtab16_ror8(off, xa);
        uint32_t x1e = tt_sxtab16(off, xb), x1o = tt_sxtab16_ror8(off, xb);
        uint32_t w0e = tt_sxtb16(wa), w0o = tt_sxtb16_ror8(wa);
        uint32_t w1e = tt_sxtb16(wb), w1o = tt_sxtb16_ror8(wb);
        a00 = tt_smlad(w0e, x0e, a00); a00 = tt_smlad(w0o, x0o, a00);
        a01 = tt_smlad(w1e, x0e, a01); a01 = tt_smlad(w1o, x0o, a01);
        a10 = tt_smlad(w0e, x1e, a10); a10 = tt_smlad(w0o, x1o, a10);
        a11 = tt_smlad(w1e, x1e, a11); a11 = tt_smlad(w1o, x1o, a11);
    }
#else
    {
        /* plain C (the host): products of the raw int8 values, which gcc vectorizes as 16-bit
         * multiply-adds; the zero point comes out through the weight sums,
         * sum w*(x - z) = sum w*x - z * sum w, exact in int32 like any order of the sum */
        int32_t s0 = 0, s1 = 0;
        for (; i < n; i++) {
            int32_t u0 = x0[i], u1 = x1[i], v0 = w0[i], v1 = w1[i];
            a00 += v0 * u0; a01 += v1 * u0; a10 += v0 * u1; a11 += v1 * u1;
            s0 += v0; s1 += v1;
        }
        a00 -= z_x * s0; a01 -= z_x * s1; a10 -= z_x * s0; a11 -= z_x * s1;
    }
#endif
    for (; i < n; i++) {
        int32_t v0 = (int32_t)x0[i] - z_x, v1 = (int32_t)x1[i] - z_x;
        a00 += (int32_t)w0[i] * v0; a01 += (int32_t)w1[i] * v0;
        a10 += (int32_t)w0[i] * v1; a11 += (int32_t)w1[i] * v1;
    }
    acc[0] = a00; acc[1] = a01; acc[2] = a10; acc[3] = a11;
}

#if TT_SIMD
/* Input channels per pixel pair that the pre-extended path holds on the stack (288 B: with the
 * sliced bodies' frames, no deeper than the general loop's; no layer of the examples has 76 or 80). */
#define TT_PW_XEXT_MAX 72

/* Two pixels' inputs, zero point subtracted and sign-extended once into halfword pairs, four
 * words per four inputs: (x0 bytes 0,2), (x0 bytes 1,3), (x1 bytes 0,2), (x1 bytes 1,3). Every
 * output channel then reuses them instead of extending the input again. */
static inline void tt_pw_extend2(const int8_t *x0, const int8_t *x1, int n, int32_t z_x, uint32_t *xe)
{
    const uint32_t off = ((uint32_t)(-z_x) & 0xFFFFu) * 0x10001u;
    int i;
    for (i = 0; i < n; i += 4, xe += 4) {
        const uint32_t a = tt_read_u32(x0 + i), b = tt_read_u32(x1 + i);
        xe[0] = tt_sxtab16(off, a); xe[1] = tt_sxtab16_ror8(off, a);
        xe[2] = tt_sxtab16(off, b); xe[3] = tt_sxtab16_ror8(off, b);
    }
}

/* acc[0..3] += the 2 x 2 products of tt_dot2x2 over n inputs (n % 4 == 0), x pre-extended. */
static inline void tt_dot2x2_ext(const uint32_t *xe, const int8_t *w0, const int8_t *w1, int n, int32_t *acc)
{
    int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
    const uint32_t *end = xe + n;
    for (; xe < end; xe += 4, w0 += 4, w1 += 4) {
        const uint32_t wa = tt_read_u32(w0), wb = tt_read_u32(w1);
        const uint32_t wae = tt_sxtb16(wa), wao = tt_sxtb16_ror8(wa);
        const uint32_t wbe = tt_sxtb16(wb), wbo = tt_sxtb16_ror8(wb);
        a00 = tt_smlad(wae, xe[0], a00); a00 = tt_smlad(wao, xe[1], a00);
        a10 = tt_smlad(wae, xe[2], a10); a10 = tt_smlad(wao, xe[3], a10);
        a01 = tt_smlad(wbe, xe[0], a01); a01 = tt_smlad(wbo, xe[1], a01);
        a11 = tt_smlad(wbe, xe[2], a11); a11 = tt_smlad(wbo, xe[3], a11);
    }
    acc[0] = a00; acc[1] = a01; acc[2] = a10; acc[3] = a11;
}

#if TT_RQ4
/* Channels o and o + 1 of a pixel pair (sums a00, a01 of the first pixel, a10, a11 of the
 * second, multipliers m[0], m[1]) requantized together and stored as a halfword per pixel at y0
 * and y1; with a mask, both pixels' pass bits in one word (bits 0-1 and 16-17), else 0. Shared
 * by the buffered and the direct pair bodies. */
static TT_ALWAYS_INLINE uint32_t tt_pw_pair_store(int32_t a00, int32_t a01, int32_t a10, int32_t a11, const float *m,
                                                  tt_rq4c k, int8_t *y0, int8_t *y1, const int masked)
{
    uint32_t v, pass4 = 0;
    uint16_t v0, v1;
    if (masked) v = tt_rq4mp(a00, a01, a10, a11, m[0], m[1], m[0], m[1], k, &pass4);
    else v = tt_rq4(a00, a01, a10, a11, m[0], m[1], m[0], m[1], k);
    v0 = (uint16_t)v; v1 = (uint16_t)(v >> 16);
    memcpy(y0, &v0, 2);
    memcpy(y1, &v1, 2);
    return pass4;
}

/* The inputs (n of them, pre-extended in xe, n % 4 == 0, n > 0) weighted by the rows of n bytes
 * of w, or with two (0 < ks < n, ks % 4 == 0) inputs i < ks by the slice sl [cout][ks] and the
 * rest by w's rows (w pointing at column ks), as functions of their own so that the loop has the registers to itself:
 * each channel pair's four sums requantized together by tt_rq4 / tt_rq4mp and stored as a
 * halfword per pixel; with a mask (cout % 8 == 0) the bits a byte per eight channels from
 * mask0 / mask1 (the two pixels' first mask bytes). The same sums and requantization as
 * tt_pw_pair_ext. */
static TT_ALWAYS_INLINE void tt_pw_pair_rq4_body(const uint32_t *xe, int n, const int8_t *w,
                                                 const int8_t *sl, int ks,
                                                 const int32_t *b, int cout, const float *m,
                                                 const tt_rq4c *kc, int8_t *y0, int8_t *y1,
                                                 uint8_t *mask0, uint8_t *mask1, const int masked, const int two)
{
    const uint32_t *const xend = xe + n, *const xsl = xe + ks;
    const tt_rq4c k = *kc;
    uint32_t bits01 = 0;
    int o;
    for (o = 0; o < cout; o += 2, w += 2 * n, sl += 2 * ks) {
        const int8_t *w0 = w, *w1 = w + n;
        const uint32_t *p = xe;
        int32_t a00 = b ? b[o] : 0, a01 = b ? b[o + 1] : 0, a10 = a00, a11 = a01;
        if (two) {
            /* inputs i < ks weighted from the slice's rows of ks bytes */
            const int8_t *s0 = sl, *s1 = sl + ks;
            do {
                const uint32_t wa = tt_read_u32(s0), wb = tt_read_u32(s1);
                const uint32_t wae = tt_sxtb16(wa), wao = tt_sxtb16_ror8(wa);
                const uint32_t wbe = tt_sxtb16(wb), wbo = tt_sxtb16_ror8(wb);
                a00 = tt_smlad(wae, p[0], a00); a00 = tt_smlad(wao, p[1], a00);
                a10 = tt_smlad(wae, p[2], a10); a10 = tt_smlad(wao, p[3], a10);
                a01 = tt_smlad(wbe, p[0], a01); a01 = tt_smlad(wbo, p[1], a01);
                a11 = tt_smlad(wbe, p[2], a11); a11 = tt_smlad(wbo, p[3], a11);
                p += 4; s0 += 4; s1 += 4;
            } while (p < xsl);
        }
        do {
            const uint32_t wa = tt_read_u32(w0), wb = tt_read_u32(w1);
            const uint32_t wae = tt_sxtb16(wa), wao = tt_sxtb16_ror8(wa);
            const uint32_t wbe = tt_sxtb16(wb), wbo = tt_sxtb16_ror8(wb);
            a00 = tt_smlad(wae, p[0], a00); a00 = tt_smlad(wao, p[1], a00);
            a10 = tt_smlad(wae, p[2], a10); a10 = tt_smlad(wao, p[3], a10);
            a01 = tt_smlad(wbe, p[0], a01); a01 = tt_smlad(wbo, p[1], a01);
            a11 = tt_smlad(wbe, p[2], a11); a11 = tt_smlad(wbo, p[3], a11);
            p += 4; w0 += 4; w1 += 4;
        } while (p < xend);
        /* bytes: y0[o], y0[o + 1], y1[o], y1[o + 1] (pass bits in that order) */
        bits01 |= tt_pw_pair_store(a00, a01, a10, a11, m + o, k, y0 + o, y1 + o, masked) << (o & 7);
        if (masked && (o & 7) == 6) { *mask0++ = (uint8_t)bits01; *mask1++ = (uint8_t)(bits01 >> 16); bits01 = 0; }
    }
}

/* The same sums and requantization for inputs too wide to pre-extend (cin > TT_PW_XEXT_MAX):
 * the two pixels' inputs x0 and x0 + xs (xs = 0: an odd last pixel as a pair of itself) read
 * and extended, zero point subtracted, per channel pair as in tt_dot2x2; rows of n bytes in w,
 * n % 4 == 0, n > 0. No buffer: the wide pointwise layers take the paired requantization
 * without more stack. */
static TT_ALWAYS_INLINE void tt_pw_pair_rq4_direct_body(const int8_t *x0, int xs, int n, const int8_t *w,
                                                        const int8_t *sl, int ks,
                                                        const int32_t *b, int cout, const float *m,
                                                        const tt_rq4c *kc, int32_t z_x, int8_t *y0, int8_t *y1,
                                                        uint8_t *mask0, uint8_t *mask1, const int masked, const int two)
{
    const tt_rq4c k = *kc;
    const uint32_t off = ((uint32_t)(-z_x) & 0xFFFFu) * 0x10001u;
    uint32_t bits01 = 0;
    int o;
    for (o = 0; o < cout; o += 2, w += 2 * n, sl += 2 * ks) {
        const int8_t *w0 = w, *p = x0, *const pend = x0 + n;
        int32_t a00 = b ? b[o] : 0, a01 = b ? b[o + 1] : 0, a10 = a00, a11 = a01;
        if (two) {
            /* inputs i < ks weighted from the slice's rows of ks bytes */
            const int8_t *s0 = sl, *const psl = x0 + ks;
            do {
                const uint32_t xa = tt_read_u32(p), wa = tt_read_u32(s0);
                const uint32_t xae = tt_sxtab16(off, xa), xao = tt_sxtab16_ror8(off, xa);
                const uint32_t wae = tt_sxtb16(wa), wao = tt_sxtb16_ror8(wa);
                const uint32_t xb = tt_read_u32(p + xs), wb = tt_read_u32(s0 + ks);
                const uint32_t xbe = tt_sxtab16(off, xb), xbo = tt_sxtab16_ror8(off, xb);
                const uint32_t wbe = tt_sxtb16(wb), wbo = tt_sxtb16_ror8(wb);
                a00 = tt_smlad(wae, xae, a00); a00 = tt_smlad(wao, xao, a00);
                a01 = tt_smlad(wbe, xae, a01); a01 = tt_smlad(wbo, xao, a01);
                a10 = tt_smlad(wae, xbe, a10); a10 = tt_smlad(wao, xbo, a10);
                a11 = tt_smlad(wbe, xbe, a11); a11 = tt_smlad(wbo, xbo, a11);
                p += 4; s0 += 4;
            } while (p < psl);
        }
        do {
            const uint32_t xa = tt_read_u32(p), wa = tt_read_u32(w0);
            const uint32_t xae = tt_sxtab16(off, xa), xao = tt_sxtab16_ror8(off, xa);
            const uint32_t wae = tt_sxtb16(wa), wao = tt_sxtb16_ror8(wa);
            const uint32_t xb = tt_read_u32(p + xs), wb = tt_read_u32(w0 + n);
            const uint32_t xbe = tt_sxtab16(off, xb), xbo = tt_sxtab16_ror8(off, xb);
            const uint32_t wbe = tt_sxtb16(wb), wbo = tt_sxtb16_ror8(wb);
            a00 = tt_smlad(wae, xae, a00); a00 = tt_smlad(wao, xao, a00);
            a01 = tt_smlad(wbe, xae, a01); a01 = tt_smlad(wbo, xao, a01);
            a10 = tt_smlad(wae, xbe, a10); a10 = tt_smlad(wao, xbo, a10);
            a11 = tt_smlad(wbe, xbe, a11); a11 = tt_smlad(wbo, xbo, a11);
            p += 4; w0 += 4;
        } while (p < pend);
        bits01 |= tt_pw_pair_store(a00, a01, a10, a11, m + o, k, y0 + o, y1 + o, masked) << (o & 7);
        if (masked && (o & 7) == 6) { *mask0++ = (uint8_t)bits01; *mask1++ = (uint8_t)(bits01 >> 16); bits01 = 0; }
    }
}

static __attribute__((noinline)) void tt_pw_pair_rq4_direct(const int8_t *x0, int xs, int n, const int8_t *w,
                                                            const int32_t *b, int cout, const float *m,
                                                            const tt_rq4c *kc, int32_t z_x, int8_t *y0, int8_t *y1)
{
    tt_pw_pair_rq4_direct_body(x0, xs, n, w, 0, 0, b, cout, m, kc, z_x, y0, y1, 0, 0, 0, 0);
}

static __attribute__((noinline)) void tt_pw_pair_rq4_direct_mask(const int8_t *x0, int xs, int n, const int8_t *w,
                                                                 const int32_t *b, int cout, const float *m,
                                                                 const tt_rq4c *kc, int32_t z_x, int8_t *y0, int8_t *y1,
                                                                 uint8_t *mask0, uint8_t *mask1)
{
    tt_pw_pair_rq4_direct_body(x0, xs, n, w, 0, 0, b, cout, m, kc, z_x, y0, y1, mask0, mask1, 1, 0);
}

/* Two weight sources, as tt_pw_pair_rq4_2. */
static __attribute__((noinline)) void tt_pw_pair_rq4_direct_2(const int8_t *x0, int xs, int n, const int8_t *w,
                                                              const int8_t *sl, int ks,
                                                              const int32_t *b, int cout, const float *m,
                                                              const tt_rq4c *kc, int32_t z_x, int8_t *y0, int8_t *y1)
{
    tt_pw_pair_rq4_direct_body(x0, xs, n, w, sl, ks, b, cout, m, kc, z_x, y0, y1, 0, 0, 0, 1);
}

static __attribute__((noinline)) void tt_pw_pair_rq4_direct_2mask(const int8_t *x0, int xs, int n, const int8_t *w,
                                                                  const int8_t *sl, int ks,
                                                                  const int32_t *b, int cout, const float *m,
                                                                  const tt_rq4c *kc, int32_t z_x, int8_t *y0, int8_t *y1,
                                                                  uint8_t *mask0, uint8_t *mask1)
{
    tt_pw_pair_rq4_direct_body(x0, xs, n, w, sl, ks, b, cout, m, kc, z_x, y0, y1, mask0, mask1, 1, 1);
}

static __attribute__((noinline)) void tt_pw_pair_rq4(const uint32_t *xe, int n, const int8_t *w,
                                                     const int32_t *b, int cout, const float *m,
                                                     const tt_rq4c *kc, int8_t *y0, int8_t *y1)
{
    tt_pw_pair_rq4_body(xe, n, w, 0, 0, b, cout, m, kc, y0, y1, 0, 0, 0, 0);
}

static __attribute__((noinline)) void tt_pw_pair_rq4_mask(const uint32_t *xe, int n, const int8_t *w,
                                                          const int32_t *b, int cout, const float *m,
                                                          const tt_rq4c *kc, int8_t *y0, int8_t *y1,
                                                          uint8_t *mask0, uint8_t *mask1)
{
    tt_pw_pair_rq4_body(xe, n, w, 0, 0, b, cout, m, kc, y0, y1, mask0, mask1, 1, 0);
}

/* Two weight sources: inputs i < ks (0 < ks < n, ks % 4 == 0) from the slice sl [cout][ks], the
 * rest from w [cout][n] (at column ks). */
static __attribute__((noinline)) void tt_pw_pair_rq4_2(const uint32_t *xe, int n, const int8_t *w,
                                                       const int8_t *sl, int ks,
                                                       const int32_t *b, int cout, const float *m,
                                                       const tt_rq4c *kc, int8_t *y0, int8_t *y1)
{
    tt_pw_pair_rq4_body(xe, n, w, sl, ks, b, cout, m, kc, y0, y1, 0, 0, 0, 1);
}

static __attribute__((noinline)) void tt_pw_pair_rq4_2mask(const uint32_t *xe, int n, const int8_t *w,
                                                           const int8_t *sl, int ks,
                                                           const int32_t *b, int cout, const float *m,
                                                           const tt_rq4c *kc, int8_t *y0, int8_t *y1,
                                                           uint8_t *mask0, uint8_t *mask1)
{
    tt_pw_pair_rq4_body(xe, n, w, sl, ks, b, cout, m, kc, y0, y1, mask0, mask1, 1, 1);
}
#endif

/* The common case as one tight loop: a whole pixel pair (inputs pre-extended in xe), an even
 * cout, the trained slice's width k % 4 == 0 (inputs i < k weighted from wt_sram [cout][k], the
 * rest from wt [cout][cin]), the mask (if any) a byte per eight channels (mask0 / mask1: the
 * two pixels' first mask bytes). The same sums and requantization as the general loop below.
 * slice / flash (constants at each call: one body per case) say which of the two sources exist. */
static inline __attribute__((always_inline)) void tt_pw_pair_ext(
    const uint32_t *xe, int cin, const int8_t *wt, const int8_t *wt_sram, int k,
    const int32_t *b, int cout, const float *m, int32_t z_y, int32_t lo, int32_t hi,
    int8_t *y0, int8_t *y1, uint8_t *mask0, uint8_t *mask1, const int slice, const int flash)
{
    const int8_t *w = wt + k, *ws = wt_sram;
    const int rest = cin - k;
    uint32_t bits0 = 0, bits1 = 0;
    int o;
    for (o = 0; o < cout; o += 2, w += 2 * cin, ws += 2 * k) {
        int32_t acc[4];
        uint32_t p00, p01, p10, p11;
        const float m0 = m[o], m1 = m[o + 1];
        acc[0] = acc[2] = b ? b[o] : 0;
        acc[1] = acc[3] = b ? b[o + 1] : 0;
        if (slice) tt_dot2x2_ext(xe, ws, ws + k, k, acc);
        if (flash) tt_dot2x2_ext(xe + k, w, w + cin, rest, acc);
        y0[o] = (int8_t)tt_requant_fast(acc[0], m0, z_y, lo, hi, &p00);
        y0[o + 1] = (int8_t)tt_requant_fast(acc[1], m1, z_y, lo, hi, &p01);
        y1[o] = (int8_t)tt_requant_fast(acc[2], m0, z_y, lo, hi, &p10);
        y1[o + 1] = (int8_t)tt_requant_fast(acc[3], m1, z_y, lo, hi, &p11);
        if (mask0) {
            bits0 |= (p00 | p01 << 1) << (o & 7);
            bits1 |= (p10 | p11 << 1) << (o & 7);
            if ((o & 7) == 6) { *mask0++ = (uint8_t)bits0; *mask1++ = (uint8_t)bits1; bits0 = bits1 = 0; }
        }
    }
}
#endif

#if TT_RQ4
/* Every pixel of the common SIMD32 case (cin % 4 == 0, an even cout, the weights the rows of cin
 * bytes of w, or with 0 < ks < cin (ks % 4 == 0) inputs i < ks from the slice sl [cout][ks], the mask if any a byte per eight channels) by pairs in tt_pw_pair_rq4(_mask)
 * (cin within TT_PW_XEXT_MAX, inputs pre-extended) or tt_pw_pair_rq4_direct(_mask) (wider
 * inputs, extended per channel pair); an odd last pixel as a pair of itself (the same bytes and mask bits
 * stored twice). A function of its own: the stack the general loop's frame takes is not added. */
static __attribute__((noinline)) void tt_pwconv_s8_rq4(const int8_t *x, int npix, int cin, const int8_t *w,
                                                       const int8_t *sl, int ks,
                                                       const int32_t *b, int cout, const tt_rq *rq,
                                                       int8_t *y, uint8_t *mask)
{
    uint32_t xe[TT_PW_XEXT_MAX];
    const tt_rq4c kc = tt_rq4_consts(rq->z_y, rq->lo, rq->hi);
    const int8_t *const wk = w + ks; /* with a slice: the flash rows from column ks */
    int p;
    for (p = 0; p < npix; p += 2) {
        const int two_p = p + 1 < npix;
        const int8_t *x0 = x + (size_t)p * (size_t)cin, *x1 = two_p ? x0 + cin : x0;
        int8_t *y0 = y + (size_t)p * (size_t)cout, *y1 = two_p ? y0 + cout : y0;
        uint8_t *mb0 = 0, *mb1 = 0;
        if (mask) { mb0 = mask + (((int32_t)p * cout) >> 3); mb1 = two_p ? mb0 + (cout >> 3) : mb0; }
        if (cin > TT_PW_XEXT_MAX) {
            const int xs = two_p ? cin : 0;
            if (ks) {
                if (mask) tt_pw_pair_rq4_direct_2mask(x0, xs, cin, wk, sl, ks, b, cout, rq->m, &kc, rq->z_x, y0, y1, mb0, mb1);
                else tt_pw_pair_rq4_direct_2(x0, xs, cin, wk, sl, ks, b, cout, rq->m, &kc, rq->z_x, y0, y1);
            } else {
                if (mask) tt_pw_pair_rq4_direct_mask(x0, xs, cin, w, b, cout, rq->m, &kc, rq->z_x, y0, y1, mb0, mb1);
                else tt_pw_pair_rq4_direct(x0, xs, cin, w, b, cout, rq->m, &kc, rq->z_x, y0, y1);
            }
            continue;
        }
        tt_pw_extend2(x0, x1, cin, rq->z_x, xe);
        if (ks) {
            if (mask) tt_pw_pair_rq4_2mask(xe, cin, wk, sl, ks, b, cout, rq->m, &kc, y0, y1, mb0, mb1);
            else tt_pw_pair_rq4_2(xe, cin, wk, sl, ks, b, cout, rq->m, &kc, y0, y1);
        } else {
            if (mask) tt_pw_pair_rq4_mask(xe, cin, w, b, cout, rq->m, &kc, y0, y1, mb0, mb1);
            else tt_pw_pair_rq4(xe, cin, w, b, cout, rq->m, &kc, y0, y1);
        }
    }
}
#endif

static __attribute__((noinline)) void tt_pwconv_s8_general(const int8_t *x, int npix, int cin,
                                                           const int8_t *wt, const int8_t *wt_sram, int k,
                                                           const int32_t *bias, const int32_t *bias_sram,
                                                           int cout, const tt_rq *rq, int8_t *y, uint8_t *mask);

void tt_pwconv_s8_fast(const int8_t *x, int npix, int cin,
                       const int8_t *wt, const int8_t *wt_sram, int k,
                       const int32_t *bias, const int32_t *bias_sram,
                       int cout, const tt_rq *rq, int8_t *y, uint8_t *mask)
{
#if TT_RQ4
    const int ks = tt_slice_k(wt_sram, k, cin);
    if ((cin & 3) == 0 && cin > 0 && (cout & 1) == 0 && (ks & 3) == 0 && (!mask || (cout & 7) == 0)) {
        /* one weight source (no slice, or the slice is every input) or the slice's ks inputs
         * then the flash rows' rest */
        const int all = ks == cin;
        tt_pwconv_s8_rq4(x, npix, cin, all ? wt_sram : wt, wt_sram, all ? 0 : ks, bias_sram ? bias_sram : bias, cout, rq, y, mask);
        return;
    }
#endif
    tt_pwconv_s8_general(x, npix, cin, wt, wt_sram, k, bias, bias_sram, cout, rq, y, mask);
}

static __attribute__((noinline)) void tt_pwconv_s8_general(const int8_t *x, int npix, int cin,
                                                           const int8_t *wt, const int8_t *wt_sram, int k,
                                                           const int32_t *bias, const int32_t *bias_sram,
                                                           int cout, const tt_rq *rq, int8_t *y, uint8_t *mask)
{
    const int32_t *b = bias_sram ? bias_sram : bias;
    const int32_t z_x = rq->z_x, z_y = rq->z_y, lo = rq->lo, hi = rq->hi;
    const float *m = rq->m;
    /* with cout % 8 == 0 every pixel's mask bits start a byte: they are collected in a register
     * and stored a byte per eight channels, not read-modify-written one bit at a time */
    const int mask_bytes = mask && (cout & 7) == 0;
    int p, o;
#if TT_SIMD
    uint32_t xe[TT_PW_XEXT_MAX];
    /* pre-extended inputs when they fit and the slice boundary falls on a word of four */
    const int ext = cin <= TT_PW_XEXT_MAX && (cin & 3) == 0;
#endif
    k = tt_slice_k(wt_sram, k, cin);
#if TT_AVX2
    if (cin <= TT_PW_AVX2_CIN_MAX) {
        tt_pwconv_s8_avx2(x, npix, cin, wt, wt_sram, k, b, cout, rq, y, mask);
        return;
    }
#endif
    for (p = 0; p < npix; p += 2) {
        /* an odd last pixel is computed twice over the same input and stored once */
        const int two_p = p + 1 < npix;
        const int8_t *x0 = x + (size_t)p * (size_t)cin, *x1 = two_p ? x0 + cin : x0;
        int8_t *y0 = y + (size_t)p * (size_t)cout, *y1 = y0 + cout;
        uint32_t bits0 = 0, bits1 = 0;
#if TT_SIMD
        if (ext) tt_pw_extend2(x0, x1, cin, z_x, xe);
        if (ext && two_p && (cout & 1) == 0 && (k & 3) == 0 && (!mask || mask_bytes)) {
            uint8_t *mb0 = mask ? mask + (((int32_t)p * cout) >> 3) : 0;
            uint8_t *mb1 = mask ? mb0 + (cout >> 3) : 0;
            if (k == 0) tt_pw_pair_ext(xe, cin, wt, wt_sram, k, b, cout, m, z_y, lo, hi, y0, y1, mb0, mb1, 0, 1);
            else if (k == cin) tt_pw_pair_ext(xe, cin, wt, wt_sram, k, b, cout, m, z_y, lo, hi, y0, y1, mb0, mb1, 1, 0);
            else tt_pw_pair_ext(xe, cin, wt, wt_sram, k, b, cout, m, z_y, lo, hi, y0, y1, mb0, mb1, 1, 1);
            continue;
        }
#endif
        for (o = 0; o < cout; o += 2) {
            const int two_o = o + 1 < cout;
            const int o1 = two_o ? o + 1 : o;
            int32_t acc[4];
            uint32_t pass00, pass01 = 0, pass10 = 0, pass11 = 0;
            acc[0] = acc[2] = b ? b[o] : 0;
            acc[1] = acc[3] = b ? b[o1] : 0;
#if TT_SIMD
            if (ext && (k & 3) == 0) {
                if (k) tt_dot2x2_ext(xe, wt_sram + (size_t)o * (size_t)k, wt_sram + (size_t)o1 * (size_t)k, k, acc);
                tt_dot2x2_ext(xe + k, wt + (size_t)o * (size_t)cin + k, wt + (size_t)o1 * (size_t)cin + k, cin - k, acc);
            } else
#endif
            {
                if (k) tt_dot2x2(x0, x1, wt_sram + (size_t)o * (size_t)k, wt_sram + (size_t)o1 * (size_t)k, k, z_x, acc);
                tt_dot2x2(x0 + k, x1 + k, wt + (size_t)o * (size_t)cin + k, wt + (size_t)o1 * (size_t)cin + k, cin - k, z_x, acc);
            }
            y0[o] = (int8_t)tt_requant_fast(acc[0], m[o], z_y, lo, hi, &pass00);
            if (two_o) y0[o + 1] = (int8_t)tt_requant_fast(acc[1], m[o1], z_y, lo, hi, &pass01);
            if (two_p) {
                y1[o] = (int8_t)tt_requant_fast(acc[2], m[o], z_y, lo, hi, &pass10);
                if (two_o) y1[o + 1] = (int8_t)tt_requant_fast(acc[3], m[o1], z_y, lo, hi, &pass11);
            }
            if (mask_bytes) {
                /* cout is even here: both channels exist */
                bits0 |= (pass00 | pass01 << 1) << (o & 7);
                bits1 |= (pass10 | pass11 << 1) << (o & 7);
                if ((o & 7) == 6) {
                    const int32_t at = ((int32_t)p * cout + o) >> 3;
                    mask[at] = (uint8_t)bits0;
                    if (two_p) mask[at + (cout >> 3)] = (uint8_t)bits1;
                    bits0 = bits1 = 0;
                }
            } else if (mask) {
                const int32_t e = (int32_t)p * cout + o;
                tt_mask_set(mask, e, pass00);
                if (two_o) tt_mask_set(mask, e + 1, pass01);
                if (two_p) {
                    tt_mask_set(mask, e + cout, pass10);
                    if (two_o) tt_mask_set(mask, e + cout + 1, pass11);
                }
            }
        }
    }
}

/*
 * tt_pw_avx2.h - the AVX2 body of tt_pwconv_s8_fast (private; included by tt_pwconv_s8_fast.c
 * when TT_AVX2). Two pixels x four output channels per pass: each pixel's inputs are extended
 * once to int16 with the zero point subtracted (x - z_x fits int16), and every 16 inputs take one
 * VPMADDWD per pixel and channel (16-bit products summed in pairs into int32: exact; VPMADDUBSW
 * would saturate). The eight accumulators are reduced to [p0 c0..c3, p1 c0..c3] and requantized
 * together (tt_avx2_requant8: the scalar float ops), so outputs and masks equal the reference.
 */
#ifndef TT_PW_AVX2_H
#define TT_PW_AVX2_H

#include "tt_avx2.h"
#include "tt_internal.h"

/* Input channels the extended pixel buffers hold, and pixels per block (8 x 2 KB on the
 * stack); wider layers take the plain C loop. */
#define TT_PW_AVX2_CIN_MAX 1008
#define TT_PW_AVX2_PIX 8

/* x[0..n) - z_x as int16 in xe, then 16 zeros, so a 16-lane load at any i < n stays inside. */
static inline void tt_pw_avx2_extend(const int8_t *x, int n, int32_t z_x, int16_t *xe)
{
    const __m256i z = _mm256_set1_epi16((int16_t)z_x);
    int i;
    for (i = 0; i + 16 <= n; i += 16)
        _mm256_storeu_si256((__m256i *)(void *)(xe + i), _mm256_sub_epi16(tt_avx2_w16(x + i), z));
    for (; i < n; i++) xe[i] = (int16_t)(x[i] - z_x);
    memset(xe + n, 0, 16 * sizeof xe[0]);
}

static inline __m256i tt_pw_avx2_mac(__m256i a, __m256i x, __m256i w)
{
    return _mm256_add_epi32(a, _mm256_madd_epi16(x, w));
}

/* The int32 sums [p0 c0..c3, p1 c0..c3] of sum_i xe_p[i] * weight_j[i] over the two segments
 * of a slice: i < k from the SRAM rows rs[j] (length k), k <= i < cin from the flash rows rf[j]
 * (rf[j][0] is input k). Lanes past a segment's end multiply a zero weight. The accumulators
 * are locals (registers), not an array. */
static inline __m256i tt_pw_avx2_sums(const int16_t *xe0, const int16_t *xe1, const int8_t *const *rs, int k,
                                      const int8_t *const *rf, int cin)
{
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    int s, i;
    for (s = 0; s < 2; s++) {
        const int8_t *const *row = s ? rf : rs;
        const int n = s ? cin - k : k, at = s ? k : 0;
        for (i = 0; i < n; i += 16) {
            const __m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)(xe0 + at + i));
            const __m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(xe1 + at + i));
            __m256i w = tt_avx2_w16_upto(row[0], i, n);
            a0 = tt_pw_avx2_mac(a0, x0, w); a4 = tt_pw_avx2_mac(a4, x1, w);
            w = tt_avx2_w16_upto(row[1], i, n);
            a1 = tt_pw_avx2_mac(a1, x0, w); a5 = tt_pw_avx2_mac(a5, x1, w);
            w = tt_avx2_w16_upto(row[2], i, n);
            a2 = tt_pw_avx2_mac(a2, x0, w); a6 = tt_pw_avx2_mac(a6, x1, w);
            w = tt_avx2_w16_upto(row[3], i, n);
            a3 = tt_pw_avx2_mac(a3, x0, w); a7 = tt_pw_avx2_mac(a7, x1, w);
        }
    }
    return _mm256_set_m128i(tt_avx2_hsum4(a4, a5, a6, a7), tt_avx2_hsum4(a0, a1, a2, a3));
}

/* Mask bits of one pass: bits 0..3 (pixel p, channels o..) and 4..7 (pixel p + 1). With
 * cout % 4 == 0 a whole group is a nibble of one byte; otherwise bit by bit. */
static inline void tt_pw_avx2_mask(uint8_t *mask, int32_t e, int cout, int nch, int two_p, uint32_t bits)
{
    int p, j;
    if (nch == 4 && (cout & 3) == 0) {
        for (p = 0; p <= two_p; p++, e += cout, bits >>= 4) {
            uint8_t *at = mask + (e >> 3);
            const uint32_t s = (uint32_t)e & 7u;
            *at = (uint8_t)((*at & ~(0xFu << s)) | ((bits & 0xFu) << s));
        }
        return;
    }
    for (p = 0; p <= two_p; p++)
        for (j = 0; j < nch; j++) tt_mask_set(mask, e + p * cout + j, (bits >> (4 * p + j)) & 1u);
}

/* = tt_pwconv_s8 (k already tt_slice_k'd, b the bias in use), for cin <= TT_PW_AVX2_CIN_MAX.
 * Blocks of TT_PW_AVX2_PIX pixels, extended once; within a block each channel group's rows,
 * bias and multipliers are set up once for all its pixel pairs. */
static void tt_pwconv_s8_avx2(const int8_t *x, int npix, int cin, const int8_t *wt, const int8_t *wt_sram, int k,
                              const int32_t *b, int cout, const tt_rq *rq, int8_t *y, uint8_t *mask)
{
    int16_t xe[TT_PW_AVX2_PIX * (TT_PW_AVX2_CIN_MAX + 16)];
    const int xs = cin + 16;
    const __m256i z_y = _mm256_set1_epi32(rq->z_y), lo = _mm256_set1_epi32(rq->lo), hi = _mm256_set1_epi32(rq->hi);
    const float *m = rq->m;
    int p0, q, o, j;
    for (p0 = 0; p0 < npix; p0 += TT_PW_AVX2_PIX) {
        const int np = npix - p0 < TT_PW_AVX2_PIX ? npix - p0 : TT_PW_AVX2_PIX;
        for (q = 0; q < np; q++) tt_pw_avx2_extend(x + (size_t)(p0 + q) * (size_t)cin, cin, rq->z_x, xe + q * xs);
        for (o = 0; o < cout; o += 4) {
            /* a last group of fewer than four channels repeats the last one and stores nch */
            const int nch = cout - o < 4 ? cout - o : 4;
            const int8_t *rs[4], *rf[4];
            int oc[4];
            __m256i bv;
            __m256 mv;
            for (j = 0; j < 4; j++) {
                oc[j] = j < nch ? o + j : cout - 1;
                rs[j] = wt_sram + (size_t)oc[j] * (size_t)k;
                rf[j] = wt + (size_t)oc[j] * (size_t)cin + k;
            }
            bv = b ? _mm256_setr_epi32(b[oc[0]], b[oc[1]], b[oc[2]], b[oc[3]], b[oc[0]], b[oc[1]], b[oc[2]], b[oc[3]]) : _mm256_setzero_si256();
            mv = _mm256_setr_ps(m[oc[0]], m[oc[1]], m[oc[2]], m[oc[3]], m[oc[0]], m[oc[1]], m[oc[2]], m[oc[3]]);
            for (q = 0; q < np; q += 2) {
                /* an odd last pixel is computed twice over the same input and stored once */
                const int two_p = q + 1 < np;
                const int16_t *u0 = xe + q * xs;
                int8_t *y0 = y + (size_t)(p0 + q) * (size_t)cout + o;
                int8_t out[8];
                uint32_t pass;
                __m256i acc = _mm256_add_epi32(tt_pw_avx2_sums(u0, two_p ? u0 + xs : u0, rs, k, rf, cin), bv);
                tt_avx2_store8(tt_avx2_requant8(acc, mv, z_y, lo, hi, &pass), out);
                if (nch == 4) {
                    memcpy(y0, out, 4);
                    if (two_p) memcpy(y0 + cout, out + 4, 4);
                } else {
                    memcpy(y0, out, (size_t)nch);
                    if (two_p) memcpy(y0 + cout, out + 4, (size_t)nch);
                }
                if (mask) tt_pw_avx2_mask(mask, (int32_t)(p0 + q) * cout + o, cout, nch, two_p, pass);
            }
        }
    }
}

#endif /* TT_PW_AVX2_H */

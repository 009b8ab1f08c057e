/*
 * tt_conv_patch_avx2.h - the AVX2 dot products of tt_patch_pixel (private; included by
 * tt_conv_patch_fast.h when TT_AVX2): the gathered patch as int16 (zero point subtracted, zeros
 * past n), eight output channels per pass, each 16 patch elements one VPMADDWD per channel, the
 * eight sums requantized together (tt_avx2_requant8: the scalar float ops). Integer sums are
 * exact in any order, so outputs and masks equal the reference.
 */
#ifndef TT_CONV_PATCH_AVX2_H
#define TT_CONV_PATCH_AVX2_H

#include "tt_avx2.h"
#include "tt_internal.h"
#include "tt_fast.h"

/* 16 weights from p as int16 lanes; bytes at or past end (the weight tensor's end) read as 0.
 * Lanes past a row's n hold the next row's weights: they meet the patch's zeros. */
static inline __m256i tt_patch_avx2_w16(const int8_t *p, const int8_t *end)
{
    int8_t t[16] = { 0 };
    if (end - p >= 16) return tt_avx2_w16(p);
    memcpy(t, p, (size_t)(end - p));
    return tt_avx2_w16(t);
}

/* yp[o] = requant(b[o] + sum_t patch[t] * wt[o*n + t]) for o < cout; patch[n..n+16) zeros. */
static inline void tt_patch_dot_avx2(const int16_t *patch, int n, const int8_t *wt, const int32_t *b, int cout,
                                     const tt_rq *rq, int8_t *yp, tt_maskw *mw)
{
    const __m256i z_y = _mm256_set1_epi32(rq->z_y), lo = _mm256_set1_epi32(rq->lo), hi = _mm256_set1_epi32(rq->hi);
    const int8_t *end = wt + (size_t)cout * (size_t)n;
    int o, j, i;
    for (o = 0; o < cout; o += 8) {
        /* a last group of fewer than eight channels repeats the last one and stores nch */
        const int nch = cout - o < 8 ? cout - o : 8;
        const int8_t *row[8];
        int oc[8];
        int8_t out[8];
        uint32_t pass;
        __m256i a[8], acc;
        for (j = 0; j < 8; j++) {
            oc[j] = j < nch ? o + j : cout - 1;
            row[j] = wt + (size_t)oc[j] * (size_t)n;
            a[j] = _mm256_setzero_si256();
        }
        for (i = 0; i < n; i += 16) {
            const __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(patch + i));
            for (j = 0; j < 8; j++) a[j] = _mm256_add_epi32(a[j], _mm256_madd_epi16(x, tt_patch_avx2_w16(row[j] + i, end)));
        }
        acc = _mm256_set_m128i(tt_avx2_hsum4(a[4], a[5], a[6], a[7]), tt_avx2_hsum4(a[0], a[1], a[2], a[3]));
        if (b) acc = _mm256_add_epi32(acc, _mm256_setr_epi32(b[oc[0]], b[oc[1]], b[oc[2]], b[oc[3]], b[oc[4]], b[oc[5]], b[oc[6]], b[oc[7]]));
        tt_avx2_store8(tt_avx2_requant8(acc, _mm256_setr_ps(rq->m[oc[0]], rq->m[oc[1]], rq->m[oc[2]], rq->m[oc[3]], rq->m[oc[4]], rq->m[oc[5]], rq->m[oc[6]], rq->m[oc[7]]),
                                        z_y, lo, hi, &pass), out);
        memcpy(yp + o, out, (size_t)nch);
        if (mw) for (j = 0; j < nch; j++) tt_maskw_put(mw, (pass >> j) & 1u);
    }
}

#endif /* TT_CONV_PATCH_AVX2_H */

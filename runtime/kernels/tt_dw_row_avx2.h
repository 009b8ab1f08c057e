/*
 * tt_dw_row_avx2.h - the AVX2 groups of tt_dw_rows_fast (private; included by tt_dw_row_fast.h
 * when TT_AVX2): eight neighbouring channels of a pixel per pass, one int32 lane each. Per tap
 * the eight inputs are sign-extended (VPMOVSXBD), the zero point subtracted, and multiplied by
 * the tap's eight weights with VPMADDWD: each weight sits in the low halfword of its lane with
 * a zero high halfword, so the lane is (x - z_x) * w exactly (a one-uop 16 x 16 -> 32 multiply).
 * Taps inside the input only, as the scalar rows; integer sums are exact in any order and the
 * eight outputs are requantized with the scalar float ops (tt_avx2_requant8).
 */
#ifndef TT_DW_ROW_AVX2_H
#define TT_DW_ROW_AVX2_H

#include "tt_avx2.h"
#include "tt_internal.h"

/* Eight channels' weights, a vector per tap (lane j: channel j's weight, zero high halfword),
 * and their biases. */
typedef struct tt_dw8 {
    __m256i w[TT_DW_ROW_MAX_TAPS];
    __m256i b;
} tt_dw8;

/* Channels [ch, ch + 8): channel ch + j from the SRAM slice when ch + j < k. */
static TT_ALWAYS_INLINE void tt_dw8_load(tt_dw8 *g, const int8_t *wt, const int8_t *wt_sram, int k,
                                         const int32_t *b, int ch, int taps)
{
    int32_t lane[8][TT_DW_ROW_MAX_TAPS], bj[8];
    int j, t;
    for (j = 0; j < 8; j++) {
        const int8_t *wc = ch + j < k ? wt_sram + (ch + j) * taps : wt + (ch + j) * taps;
        for (t = 0; t < taps; t++) lane[j][t] = (int32_t)(uint16_t)(int16_t)wc[t];
        bj[j] = b ? b[ch + j] : 0;
    }
    for (t = 0; t < taps; t++)
        g->w[t] = _mm256_setr_epi32(lane[0][t], lane[1][t], lane[2][t], lane[3][t], lane[4][t], lane[5][t], lane[6][t], lane[7][t]);
    g->b = _mm256_loadu_si256((const __m256i *)(const void *)bj);
}

/* One tap for eight channels: p points at channel ch of the tap's input pixel. */
static TT_ALWAYS_INLINE __m256i tt_dw8_tap(__m256i a, const int8_t *p, __m256i z, __m256i wv)
{
    const __m256i v = _mm256_sub_epi32(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)p)), z);
    return _mm256_add_epi32(a, _mm256_madd_epi16(v, wv));
}

/* = tt_dw_row4 for channels [ch, ch + 8) (ch + 8 <= c). */
static TT_ALWAYS_INLINE void tt_dw_row8_avx2(const int8_t *const *rows, int ky0, int ky1, int w, int c, int ch,
                                             const tt_dw8 *g, const int KW, const int SW, int pl, int wo,
                                             int32_t z_x, const float *m, int32_t z_y, int32_t lo, int32_t hi,
                                             int8_t *y, int ys, uint8_t *mask, int32_t em)
{
    const __m256i z = _mm256_set1_epi32(z_x), vz_y = _mm256_set1_epi32(z_y);
    const __m256i vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi);
    const __m256 mv = _mm256_loadu_ps(m);
    int ox, ky, kx, j;
    for (ox = 0; ox < wo; ox++) {
        const int ix0 = ox * SW - pl;
        const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = w - ix0 < KW ? w - ix0 : KW;
        __m256i a = g->b;
        uint32_t pass;
        for (ky = ky0; ky < ky1; ky++) {
            const int8_t *r = rows[ky] + ch + (ptrdiff_t)ix0 * c;
            const __m256i *wrow = g->w + ky * KW;
            if (kx0 == 0 && kx1 == KW) {
#pragma GCC unroll 7
                for (kx = 0; kx < KW; kx++) a = tt_dw8_tap(a, r + kx * c, z, wrow[kx]);
            } else {
                for (kx = kx0; kx < kx1; kx++) a = tt_dw8_tap(a, r + kx * c, z, wrow[kx]);
            }
        }
        tt_avx2_store8(tt_avx2_requant8(a, mv, vz_y, vlo, vhi, &pass), y + ox * ys);
        if (mask) {
            const int32_t e = em + (int32_t)ox * c;
            if ((e & 7) == 0) mask[e >> 3] = (uint8_t)pass;
            else for (j = 0; j < 8; j++) tt_mask_set(mask, e + j, (pass >> j) & 1u);
        }
    }
}

#endif /* TT_DW_ROW_AVX2_H */

/*
 * tt_pw_bwd_tile_avx2.h - the AVX2 columns of tt_pw_bwd_tile (private; included by
 * tt_pw_bwd_tile.h when TT_AVX2): eight input channels x four pixels in four vectors, the
 * weights converted to float eight at a time and each pixel's scaled gradient broadcast. Every
 * lane is one element's own sum, its products added in the same order with a separate multiply
 * and add (no FMA), so each element equals the scalar tile's bit for bit.
 */
#ifndef TT_PW_BWD_TILE_AVX2_H
#define TT_PW_BWD_TILE_AVX2_H

#include "tt_avx2.h"

/* The columns j < nj - nj % 8 of tt_pw_bwd_tile (rows d0..d3, an absent row aliasing d0 and
 * stored before it); returns the first column left to the scalar loops. */
static inline int tt_pw_bwd_tile_avx2(const float (*gs)[4], int no, const int8_t *w, int ws, int nj,
                                      float *d0, float *d1, float *d2, float *d3, int load)
{
    int j, o;
    for (j = 0; j + 8 <= nj; j += 8) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        const int8_t *wj = w + j;
        if (load) {
            a0 = _mm256_loadu_ps(d0 + j); a1 = _mm256_loadu_ps(d1 + j);
            a2 = _mm256_loadu_ps(d2 + j); a3 = _mm256_loadu_ps(d3 + j);
        }
        for (o = 0; o < no; o++, wj += ws) {
            const __m256 wv = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)wj)));
            a0 = _mm256_add_ps(a0, _mm256_mul_ps(_mm256_broadcast_ss(&gs[o][0]), wv));
            a1 = _mm256_add_ps(a1, _mm256_mul_ps(_mm256_broadcast_ss(&gs[o][1]), wv));
            a2 = _mm256_add_ps(a2, _mm256_mul_ps(_mm256_broadcast_ss(&gs[o][2]), wv));
            a3 = _mm256_add_ps(a3, _mm256_mul_ps(_mm256_broadcast_ss(&gs[o][3]), wv));
        }
        _mm256_storeu_ps(d3 + j, a3); _mm256_storeu_ps(d2 + j, a2);
        _mm256_storeu_ps(d1 + j, a1); _mm256_storeu_ps(d0 + j, a0);
    }
    return j;
}

#endif /* TT_PW_BWD_TILE_AVX2_H */

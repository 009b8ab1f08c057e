/*
 * tt_dw_bwd_avx2.h - the AVX2 channel groups of tt_dwconv_s8_bwd_input_fast (private; included
 * by it when TT_AVX2): the same scatter, eight neighbouring channels per vector. Each lane is one
 * channel's own sequence of additions in the scalar's order, with the same two multiplies
 * (g * s_w, then * w; no FMA). The scalar skips a zero gradient, here its +-0 products are
 * added: exact, as a sum started at +0 never becomes -0 and v + (+-0) = v otherwise.
 */
#ifndef TT_DW_BWD_AVX2_H
#define TT_DW_BWD_AVX2_H

#include "tt_avx2.h"
#include "tt_internal.h"

/* The channels [0, c - c % 8) of the scatter into dx (already zeroed); returns c - c % 8.
 * taps <= max_taps. */
static int tt_dw_bwd_input_avx2(const float *dz, int h, int w, int c, const int8_t *wt, const int8_t *wt_sram,
                                int k, const float *s_w, const tt_conv_geom *geo, float *dx)
{
    enum { max_taps = 64 };
    const int kh = geo->kh, kw = geo->kw, ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w), taps = kh * kw;
    const size_t cs = (size_t)c;
    __m256 wf[max_taps];
    int ch, oy, ox, ky, kx, t, j;
    for (ch = 0; ch + 8 <= c; ch += 8) {
        const __m256 sw = _mm256_loadu_ps(s_w + ch);
        for (t = 0; t < taps; t++) {
            float l[8];
            for (j = 0; j < 8; j++) l[j] = (float)(ch + j < k ? wt_sram[(ch + j) * taps + t] : wt[(ch + j) * taps + t]);
            wf[t] = _mm256_loadu_ps(l);
        }
        for (oy = 0; oy < ho; oy++) {
            const int iy0 = oy * geo->sh - geo->pt;
            const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = h - iy0 < kh ? h - iy0 : kh;
            for (ox = 0; ox < wo; ox++) {
                const __m256 g = _mm256_mul_ps(_mm256_loadu_ps(dz + ((size_t)oy * (size_t)wo + (size_t)ox) * cs + ch), sw);
                const int ix0 = ox * geo->sw - geo->pl;
                const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = w - ix0 < kw ? w - ix0 : kw;
                for (ky = ky0; ky < ky1; ky++) {
                    float *d = dx + ((size_t)(iy0 + ky) * (size_t)w + (size_t)(ix0 + kx0)) * cs + (size_t)ch;
                    for (kx = kx0; kx < kx1; kx++, d += cs)
                        _mm256_storeu_ps(d, _mm256_add_ps(_mm256_loadu_ps(d), _mm256_mul_ps(g, wf[ky * kw + kx])));
                }
            }
        }
    }
    return ch;
}

#endif /* TT_DW_BWD_AVX2_H */

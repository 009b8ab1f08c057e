/* Fast input gradient of an int8 depthwise conv (= tt_dwconv_s8_bwd_input, bit for bit): the
 * same scatter in the same order, so every dx element adds the same products in the same
 * sequence from +0. What goes is the work around each product: the channel's taps are converted
 * to float once (not once per product), the rows and columns of taps that land inside the input
 * are found once per output (not tested per tap), and the scattered-to element is reached by
 * stepping a pointer. Kernels of more than TT_DW_BWD_MAX_TAPS taps take the reference loop. */
#include <string.h>
#include "tt_internal.h"
#include "tt_fast.h"
#include "tt_avx2.h"
#if TT_AVX2
#include "tt_dw_bwd_avx2.h" /* eight channels per vector first */
#endif

#define TT_DW_BWD_MAX_TAPS 64

void tt_dwconv_s8_bwd_input_fast(const float *dz, int h, int w, int c,
                                 const int8_t *wt, const int8_t *wt_sram, int k,
                                 const float *s_w, const tt_conv_geom *geo, float *dx)
{
    const int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    const int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w), taps = kh * kw;
    const size_t cs = (size_t)c;
    float wf[TT_DW_BWD_MAX_TAPS];
    int oy, ox, ch, ky, kx, t;
    if (taps > TT_DW_BWD_MAX_TAPS) {
        tt_dwconv_s8_bwd_input(dz, h, w, c, wt, wt_sram, k, s_w, geo, dx);
        return;
    }
    k = tt_slice_k(wt_sram, k, c);
    memset(dx, 0, sizeof(float) * (size_t)h * (size_t)w * cs);
    ch = 0;
#if TT_AVX2
    ch = tt_dw_bwd_input_avx2(dz, h, w, c, wt, wt_sram, k, s_w, geo, dx);
#endif
    for (; ch < c; ch++) {
        const int8_t *wc = ch < k ? wt_sram + ch * taps : wt + ch * taps;
        const float sw = s_w[ch];
        const float *g_at = dz + ch;
        for (t = 0; t < taps; t++) wf[t] = (float)wc[t]; /* exact: an int8 is a float */
        for (oy = 0; oy < ho; oy++) {
            /* the rows of taps inside the input: [ky0, ky1) */
            const int iy0 = oy * sty - ph;
            const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = h - iy0 < kh ? h - iy0 : kh;
            for (ox = 0; ox < wo; ox++, g_at += cs) {
                float g = *g_at;
                int ix0, kx0, kx1;
                if (g == 0.0f) continue;
                g *= sw;
                ix0 = ox * stx - pw;
                kx0 = ix0 < 0 ? -ix0 : 0;
                kx1 = w - ix0 < kw ? w - ix0 : kw;
                for (ky = ky0; ky < ky1; ky++) {
                    const float *wr = wf + ky * kw;
                    float *d = dx + ((size_t)(iy0 + ky) * (size_t)w + (size_t)(ix0 + kx0)) * cs + (size_t)ch;
                    for (kx = kx0; kx < kx1; kx++, d += cs) *d += g * wr[kx];
                }
            }
        }
    }
}

/* Fast chunk of output channels of the pointwise input gradient added into dx
 * (= tt_pwconv_s8_bwd_input_acc, bit for bit): four pixels at a time, their gradient chunk
 * scaled once per tile of output channels, then tt_pw_bwd_tile over the input channels in the
 * trained slice and in flash, starting from dx. */
#include "tt_internal.h"
#include "tt_fast.h"
#include "tt_pw_bwd_tile.h"

void tt_pwconv_s8_bwd_input_acc_fast(const float *dz_chunk, int npix, int cin,
                                     const int8_t *wt, const int8_t *wt_sram, int k,
                                     const float *s_w, int n, float *dx)
{
    float gs[TT_PW_TILE_O][4];
    int p, o0;
    k = tt_slice_k(wt_sram, k, cin);
    for (p = 0; p < npix; p += 4) {
        const int nq = npix - p < 4 ? npix - p : 4;
        float *d = dx + (size_t)p * (size_t)cin;
        for (o0 = 0; o0 < n; o0 += TT_PW_TILE_O) {
            const int no = n - o0 < TT_PW_TILE_O ? n - o0 : TT_PW_TILE_O;
            int o, q;
            if (nq == 4) {
                /* four whole pixels: no per-element test */
                const float *g0 = dz_chunk + (size_t)p * (size_t)n + o0, *g1 = g0 + n, *g2 = g1 + n, *g3 = g2 + n;
                for (o = 0; o < no; o++) {
                    const float s = s_w[o0 + o];
                    gs[o][0] = g0[o] * s; gs[o][1] = g1[o] * s; gs[o][2] = g2[o] * s; gs[o][3] = g3[o] * s;
                }
            } else {
                for (o = 0; o < no; o++) {
                    const float s = s_w[o0 + o];
                    for (q = 0; q < 4; q++) gs[o][q] = (q < nq ? dz_chunk[(size_t)(p + q) * (size_t)n + o0 + o] : 0.0f) * s;
                }
            }
            if (k) tt_pw_bwd_tile((const float (*)[4])gs, no, wt_sram + (size_t)o0 * (size_t)k, k, k, d, cin, nq, 1);
            tt_pw_bwd_tile((const float (*)[4])gs, no, wt + (size_t)o0 * (size_t)cin + k, cin, cin - k, d + k, cin, nq, 1);
        }
    }
}

/* A channel chunk of the pointwise input gradient (see tt_chunked.h): the loops of
 * tt_pwconv_s8_bwd_input restricted to input channels [c0, c0 + n), optionally reading its
 * output gradient through a clamp mask (a masked-out element is a zero, which it skips) and,
 * with dz_stride 0, as a pooled gradient broadcast over the pixels. */
#include <string.h>
#include "tt_chunked.h"
#include "tt_internal.h"

void tt_pwconv_s8_bwd_input_chunk(const float *dz, int dz_stride, const uint8_t *dz_mask, int npix, int cin, int c0, int n,
                                  const int8_t *wt, const int8_t *wt_sram, int k,
                                  const float *s_w, int cout, float *dx_chunk)
{
    int p, o, j, ks;
    k = tt_slice_k(wt_sram, k, cin);
    /* chunk channels j < ks lie in the trained slice (input channel c0 + j < k) */
    ks = k > c0 ? (k - c0 < n ? k - c0 : n) : 0;
    memset(dx_chunk, 0, sizeof(float) * (size_t)npix * (size_t)n);
    for (p = 0; p < npix; p++) {
        const float *dzp = dz + p * dz_stride;
        float *dxp = dx_chunk + p * n;
        for (o = 0; o < cout; o++) {
            float g = dzp[o];
            const int8_t *wf, *ws;
            if (g == 0.0f || (dz_mask && !tt_mask_get(dz_mask, p * cout + o))) continue;
            g *= s_w[o];
            wf = wt + o * cin + c0;
            ws = ks ? wt_sram + o * k + c0 : wf;
            for (j = 0; j < ks; j++) dxp[j] += g * (float)ws[j];
            for (j = ks; j < n; j++) dxp[j] += g * (float)wf[j];
        }
    }
}

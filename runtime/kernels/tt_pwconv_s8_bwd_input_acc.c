/* A chunk of output channels of the pointwise input gradient, added into dx (see tt_chunked.h). */
#include "tt_chunked.h"
#include "tt_internal.h"

void tt_pwconv_s8_bwd_input_acc(const float *dz_chunk, int npix, int cin,
                                const int8_t *wt, const int8_t *wt_sram, int k,
                                const float *s_w, int n, float *dx)
{
    int p, o, i;
    k = tt_slice_k(wt_sram, k, cin);
    for (p = 0; p < npix; p++) {
        const float *dzp = dz_chunk + p * n;
        float *dxp = dx + p * cin;
        for (o = 0; o < n; o++) {
            float g = dzp[o];
            const int8_t *wf, *ws;
            if (g == 0.0f) continue;
            g *= s_w[o];
            wf = wt + o * cin;
            ws = k ? wt_sram + o * k : wf;
            for (i = 0; i < k; i++) dxp[i] += g * (float)ws[i];
            for (i = k; i < cin; i++) dxp[i] += g * (float)wf[i];
        }
    }
}

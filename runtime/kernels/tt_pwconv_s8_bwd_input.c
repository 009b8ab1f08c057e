/* Input gradient of an int8 pointwise conv: dx[p][i] = sum_o dz[p][o] * s_w[o] * W[o][i]. */
#include <string.h>
#include "tt_internal.h"

void tt_pwconv_s8_bwd_input(const float *dz, int h, int w, int cin,
                            const int8_t *wt, const int8_t *wt_sram, int k,
                            const float *s_w, int cout, float *dx)
{
    int npix = h * w, p, o, i;
    k = tt_slice_k(wt_sram, k, cin);
    memset(dx, 0, sizeof(float) * (size_t)npix * (size_t)cin);
    for (p = 0; p < npix; p++) {
        const float *dzp = dz + p * cout;
        float *dxp = dx + p * cin;
        for (o = 0; o < cout; o++) {
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

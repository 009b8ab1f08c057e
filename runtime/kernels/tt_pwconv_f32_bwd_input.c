/* fp32 pointwise conv input gradient: dx[p][i] = sum_o dy[p][o] * W[o][i]. */
#include <string.h>
#include "tt_internal.h"

void tt_pwconv_f32_bwd_input(const float *dy, int h, int w, int cin, const float *wt,
                             int cout, float *dx)
{
    int npix = h * w, p, o, i;
    memset(dx, 0, sizeof(float) * (size_t)npix * (size_t)cin);
    for (p = 0; p < npix; p++) {
        float *dxp = dx + p * cin;
        for (o = 0; o < cout; o++) {
            float g = dy[p * cout + o];
            const float *wp = wt + o * cin;
            if (g == 0.0f) continue;
            for (i = 0; i < cin; i++) dxp[i] += g * wp[i];
        }
    }
}

/* fp32 pointwise conv weight gradient: dw[o][i] = sum_p dy[p][o] * x[p][i]. */
#include <string.h>
#include "tt_internal.h"

void tt_pwconv_f32_bwd_weight(const float *x, int h, int w, int cin, const float *dy,
                              int cout, float *dw)
{
    int npix = h * w, p, o, i;
    memset(dw, 0, sizeof(float) * (size_t)cout * (size_t)cin);
    for (p = 0; p < npix; p++) {
        const float *xp = x + p * cin;
        for (o = 0; o < cout; o++) {
            float g = dy[p * cout + o];
            float *dwp = dw + o * cin;
            if (g == 0.0f) continue;
            for (i = 0; i < cin; i++) dwp[i] += g * xp[i];
        }
    }
}

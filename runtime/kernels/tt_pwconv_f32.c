/* fp32 pointwise conv: y[p][o] = b[o] + sum_i W[o][i] * x[p][i]. */
#include "tt_internal.h"

void tt_pwconv_f32(const float *x, int h, int w, int cin, const float *wt, const float *bias,
                   int cout, float *y)
{
    int npix = h * w, p, o, i;
    for (p = 0; p < npix; p++) {
        const float *xp = x + p * cin;
        for (o = 0; o < cout; o++) {
            const float *wp = wt + o * cin;
            float acc = bias ? bias[o] : 0.0f;
            for (i = 0; i < cin; i++) acc += wp[i] * xp[i];
            y[p * cout + o] = acc;
        }
    }
}

/* Weight gradient of an int8 pointwise conv, first k input channels: dw [cout][k]. */
#include <string.h>
#include "tt_internal.h"

void tt_pwconv_s8_bwd_weight(const int8_t *x, int x_cstride, int h, int w,
                             float s_x, int32_t z_x, const float *dz,
                             int cout, int k, float *dw)
{
    int npix = h * w, p, o, i;
    memset(dw, 0, sizeof(float) * (size_t)cout * (size_t)k);
    for (p = 0; p < npix; p++) {
        const int8_t *xp = x + p * x_cstride;
        const float *dzp = dz + p * cout;
        for (o = 0; o < cout; o++) {
            float g = dzp[o];
            float *dwp = dw + o * k;
            if (g == 0.0f) continue;
            g *= s_x;
            for (i = 0; i < k; i++) dwp[i] += g * (float)((int32_t)xp[i] - z_x);
        }
    }
}

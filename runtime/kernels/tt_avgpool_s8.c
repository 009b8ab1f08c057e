/* Global average pool, int8 in and out. */
#include "tt_internal.h"

void tt_avgpool_s8(const int8_t *x, int h, int w, int c,
                   float s_x, int32_t z_x, float s_y, int32_t z_y, int8_t *y)
{
    int npix = h * w, p, ch;
    float m = s_x / (s_y * (float)npix);
    for (ch = 0; ch < c; ch++) {
        int32_t sum = 0, r;
        for (p = 0; p < npix; p++) sum += (int32_t)x[p * c + ch] - z_x;
        r = tt_round_even_i32((float)sum * m);
        if (r > 1000000) r = 1000000;
        if (r < -1000000) r = -1000000;
        r += z_y;
        if (r < -128) r = -128;
        if (r > 127) r = 127;
        y[ch] = (int8_t)r;
    }
}

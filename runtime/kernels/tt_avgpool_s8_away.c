/* Global average pool, int8 in and out, rounding half away from zero: how TFLite runtimes round
 * an AVERAGE_POOL_2D / MEAN of an imported model (Arm NN: round(mean(s_x (x - z_x)) / s_y), the
 * mean taken in float). */
#include "tt_internal.h"

void tt_avgpool_s8_away(const int8_t *x, int h, int w, int c,
                        float s_x, int32_t z_x, float s_y, int32_t z_y, int8_t *y)
{
    int npix = h * w, p, ch;
    for (ch = 0; ch < c; ch++) {
        int32_t r;
        float v = 0.0f;
        /* dequantized values summed in float in window order, as Arm NN's reference does */
        for (p = 0; p < npix; p++) v += s_x * (float)((int32_t)x[p * c + ch] - z_x);
        v = v / (float)npix / s_y;
        if (v > 1000000.0f) v = 1000000.0f;
        if (v < -1000000.0f) v = -1000000.0f;
        r = (int32_t)(v < 0.0f ? v - 0.5f : v + 0.5f);
        r += z_y;
        if (r < -128) r = -128;
        if (r > 127) r = 127;
        y[ch] = (int8_t)r;
    }
}

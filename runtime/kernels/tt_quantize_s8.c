/* float -> int8 with a per-tensor scale and zero point (round half away from zero as TFLite's
 * QUANTIZE, saturating). */
#include "tt_internal.h"

void tt_quantize_s8(const float *x, int n, float s, int32_t z, int8_t *y)
{
    int i;
    for (i = 0; i < n; i++) {
        float f = x[i] / s;
        int32_t v;
        if (f > 1000.0f) f = 1000.0f;
        if (f < -1000.0f) f = -1000.0f;
        v = (int32_t)(f < 0.0f ? f - 0.5f : f + 0.5f) + z;
        y[i] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
    }
}

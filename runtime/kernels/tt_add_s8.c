/* Residual add of two int8 tensors with their own scale / zero point. */
#include "tt_internal.h"

void tt_add_s8(const int8_t *a, float s_a, int32_t z_a,
               const int8_t *b, float s_b, int32_t z_b,
               int n, float s_y, int32_t z_y, int8_t *y, uint8_t *mask)
{
    int i;
    float ma = s_a / s_y, mb = s_b / s_y;
    for (i = 0; i < n; i++) {
        float v = ma * (float)((int32_t)a[i] - z_a) + mb * (float)((int32_t)b[i] - z_b);
        int32_t r = tt_round_even_i32(v);
        int pass = 1;
        if (r > 1000000) r = 1000000;
        if (r < -1000000) r = -1000000;
        r += z_y;
        if (r < -128) { r = -128; pass = 0; }
        if (r > 127) { r = 127; pass = 0; }
        y[i] = (int8_t)r;
        if (mask) tt_mask_put(mask, i, pass);
    }
}

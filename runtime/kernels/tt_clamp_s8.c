/* In-place int8 clamp with mask update: an activation fused into an add (imported models). */
#include "tt_internal.h"

void tt_clamp_s8(int8_t *y, int n, int32_t lo, int32_t hi, uint8_t *mask)
{
    int i;
    for (i = 0; i < n; i++) {
        if (y[i] < lo) y[i] = (int8_t)lo;
        else if (y[i] > hi) y[i] = (int8_t)hi;
        else continue;
        if (mask) tt_mask_put(mask, i, 0);
    }
}

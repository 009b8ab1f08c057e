/* Apply a clamp mask to an output gradient: dz = dy * mask. */
#include "tt_internal.h"

void tt_mask_apply_f32(const float *dy, const uint8_t *mask, int n, float *dz)
{
    int i;
    for (i = 0; i < n; i++) dz[i] = tt_mask_get(mask, i) ? dy[i] : 0.0f;
}

/* Saved-input slices and trained-weight slices: plain strided copies. */
#include <string.h>
#include "tt_fused.h"

void tt_slice_channels_s8(const int8_t *x, int npix, int c, int k, int8_t *out)
{
    int p;
    for (p = 0; p < npix; p++) memcpy(out + (size_t)p * (size_t)k, x + (size_t)p * (size_t)c, (size_t)k);
}

void tt_copy_weight_slice_s8(const int8_t *w, int cout, int per_pos, int cin, int k, int8_t *sram)
{
    tt_slice_channels_s8(w, cout * per_pos, cin, k, sram);
}

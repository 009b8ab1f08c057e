/* A channel chunk of a clamp mask applied to its gradient chunk (see tt_chunked.h). */
#include "tt_chunked.h"
#include "tt_internal.h"

void tt_mask_apply_chunk_f32(const float *dy, const uint8_t *mask, int npix, int c, int c0, int n, float *dz)
{
    int p, j;
    for (p = 0; p < npix; p++)
        for (j = 0; j < n; j++) dz[p * n + j] = tt_mask_get(mask, p * c + c0 + j) ? dy[p * n + j] : 0.0f;
}
